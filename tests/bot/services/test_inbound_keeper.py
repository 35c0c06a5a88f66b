"""Keeping inbound SMS in batches: every message kept once, a retry known, whatever arrives
together."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from alerts.states import InboundState
from bot.queue.connection import connect, queue
from bot.services.container import build_services
from bot.services.inbound_keeper import InboundKeeper

NOW = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)


def form(n: int) -> dict[str, str]:
    return {"MessageSid": f"SM{n:032x}", "From": "+13475550140", "To": "+12125550199",
            "Body": f"1n update {n}"}


@pytest.fixture
async def keeper(engine, any_settings, sample_sites, redis_url):
    connection = connect(redis_url)
    services = build_services(any_settings, engine, sample_sites.sites, connection, lambda: NOW)
    keeper = InboundKeeper(services.sms_inbox, connection)
    yield keeper
    await keeper.close()
    connection.close()


async def test_messages_arriving_together_are_each_kept_once(keeper) -> None:
    kept = await asyncio.gather(*(keeper.keep(form(n)) for n in range(50)))
    assert all(k.fresh for k in kept)
    assert len({k.message.sid for k in kept}) == 50
    again = await asyncio.gather(*(keeper.keep(form(n)) for n in range(50)))
    assert not any(k.fresh for k in again)  # retries: known, never acted on twice


async def test_the_same_message_twice_in_one_batch_is_fresh_once(keeper) -> None:
    kept = await asyncio.gather(keeper.keep(form(7)), keeper.keep(form(7)), keeper.keep(form(8)))
    assert [k.fresh for k in kept].count(True) == 2
    assert sorted(k.message.sid for k in kept if k.fresh) == [form(7)["MessageSid"],
                                                              form(8)["MessageSid"]]
    retry = next(k for k in kept[:2] if not k.fresh)
    assert retry.earlier is not None and retry.earlier.state is InboundState.RECEIVED


async def test_messages_left_for_a_worker_ask_for_one_drain(keeper, redis_url) -> None:
    kept = await asyncio.gather(*(keeper.keep(form(n), deferred=True) for n in range(20)))
    assert all(k.fresh for k in kept)
    connection = connect(redis_url)
    try:
        assert 1 <= queue(connection, "replies").count <= 2
    finally:
        connection.close()
