"""Handing committed work to rq: every kind queued once, and a Redis that is away said out loud."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from alerts.chains import Due
from bot.queue.connection import connect, queue, send_job_id, step_job_id
from bot.queue.handoff import Work, hand_off

NOW = datetime(2026, 7, 4, 23, 20, tzinfo=UTC)
LATER = NOW + timedelta(minutes=10)


@pytest.fixture
def unreachable() -> Iterator[redis.Redis]:
    """A client for a port nobody listens on: every call is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = connect(f"redis://127.0.0.1:{port}/0", timeout=1)
    yield client
    client.close()


def test_work_says_what_it_holds() -> None:
    assert not Work()
    work = Work(sends=["a", "b"], steps=[Due(1, 0, NOW)], batches=[(3, 2)])
    assert work and work.summary() == "2 sends, 1 chain step, 1 broadcast"


async def test_every_kind_of_work_gets_its_job(connection: redis.Redis) -> None:
    await hand_off(connection, Work(sends=["k1"], steps=[Due(7, 0, LATER)],
                                    takedown_steps=[(4, LATER)], batches=[(9, 2)],
                                    broadcast_starts=[(9, LATER)], refresh=["I-1"]), NOW)
    alerts, default, bulk = (queue(connection, name) for name in ("alerts", "default", "bulk"))
    assert alerts.job_ids == [send_job_id("k1")]
    assert alerts.scheduled_job_registry.get_job_ids() == [step_job_id(7, 0)]
    assert sorted(default.scheduled_job_registry.get_job_ids()) == [
        "bstart-9", f"tdstep-4-{int(LATER.timestamp())}"]
    assert len(default.job_ids) == 1  # the redraw of I-1's posts
    assert sorted(bulk.job_ids) == ["batch-9-0", "batch-9-1"]


async def test_handing_the_same_work_twice_adds_nothing(connection: redis.Redis) -> None:
    work = Work(sends=["k1"], steps=[Due(7, 0, LATER)])
    await hand_off(connection, work, NOW)
    await hand_off(connection, work, NOW)
    assert queue(connection, "alerts").count == 1
    assert queue(connection, "alerts").scheduled_job_registry.count == 1


async def test_a_redis_that_is_away_is_logged_with_what_was_not_queued(
        unreachable: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.queue.handoff"):
        await hand_off(unreachable, Work(sends=["k1", "k2"], steps=[Due(7, 0, LATER)]), NOW)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert "2 sends, 1 chain step" in record.getMessage()
    assert "reconcile" in record.getMessage()


async def test_nothing_to_hand_off_touches_no_redis(unreachable: redis.Redis,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    await hand_off(unreachable, Work(), NOW)
    assert caplog.records == []


async def test_a_redis_that_refuses_a_command_is_a_bug_and_is_raised(
        connection: redis.Redis) -> None:
    # The queue's key holding the wrong type: Redis answers WRONGTYPE, which waiting won't fix.
    connection.set(queue(connection, "alerts").key, "not a list")
    with pytest.raises(redis.ResponseError):
        await hand_off(connection, Work(sends=["k1"]), NOW)
