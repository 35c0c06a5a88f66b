"""The SMS inbox as a use case, on SQLite and PostgreSQL: a kept message is acted on once,
whoever tries and however many try at once, and its reply goes out exactly one way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from alerts.incident import parse_incident
from alerts.states import AnsweredVia, InboundState
from bot.queue.connection import connect
from bot.services.container import build_services
from bot.services.sms_inbox import TooLate, message_of
from bot.store.inbound import earlier
from bot.store.schema import deliveries, timeline

NOW = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)
LUIS = "+13475550140"  # brag-mott-haven in the sample sites
INCIDENT = {"id": "NYPD-1", "occurred_at": "2026-07-04T23:15:00-04:00", "lat": 40.8105,
            "lon": -73.9235}


@pytest.fixture
async def services(engine, any_settings, sample_sites, redis_url):
    connection = connect(redis_url)
    built = build_services(any_settings, engine, sample_sites.sites, connection, lambda: NOW)
    await built.ingest.accept(parse_incident(INCIDENT))
    yield built
    connection.close()


def form(body: str, sid: str = "SM" + "1" * 32) -> dict[str, str]:
    return {"MessageSid": sid, "From": LUIS, "To": "+12125550199", "Body": body}


async def acks(engine) -> int:
    async with engine.connect() as conn:
        return len((await conn.execute(select(timeline.c.id).where(
            timeline.c.action == "acknowledged"))).all())


async def replies_sent(engine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(select(deliveries.c.body).where(
            deliveries.c.kind == "reply")))


async def test_two_attempts_at_once_act_once(services, engine) -> None:
    kept = await services.sms_inbox.keep(form("1a"))
    answers = await asyncio.gather(services.sms_inbox.answer(kept.message.sid, AnsweredVia.TWIML),
                                   services.sms_inbox.answer(kept.message.sid, AnsweredVia.SMS))
    assert sorted(a is None for a in answers) == [False, True]  # one of them acted
    assert await acks(engine) == 1
    # Whichever acted, the reply goes out its way only: in TwiML, or as one SMS.
    assert len(await replies_sent(engine)) == (1 if answers[1] is not None else 0)


async def test_a_message_kept_twice_is_known_the_second_time(services) -> None:
    first = await services.sms_inbox.keep(form("1a"))
    second = await services.sms_inbox.keep(form("1a"))
    assert first.fresh and not second.fresh
    assert second.earlier is not None and second.earlier.state is InboundState.RECEIVED
    assert second.earlier_twiml() is None  # not answered yet: a retry gets nothing


async def test_a_retry_after_a_twiml_answer_gets_the_same_answer(services) -> None:
    kept = await services.sms_inbox.keep(form("1a"))
    reply = await services.sms_inbox.answer(kept.message.sid, AnsweredVia.TWIML)
    retry = await services.sms_inbox.keep(form("1a"))
    assert reply is not None and retry.earlier_twiml() == reply


async def test_the_worker_sends_the_reply_the_webhook_committed_but_never_gave(
        services, engine) -> None:
    # The webhook's attempt committed as its deadline cancelled it: it answered empty TwiML.
    kept = await services.sms_inbox.keep(form("1a"))
    reply = await services.sms_inbox.answer(kept.message.sid, AnsweredVia.TWIML)
    assert await services.sms_inbox.answer_later(kept.message.sid) == \
        "answered by SMS after the webhook"
    assert await replies_sent(engine) == [reply]
    async with engine.connect() as conn:
        stored = await earlier(conn, kept.message.sid)
    assert stored is not None and stored.answered_via is AnsweredVia.SMS
    assert await services.sms_inbox.answer_later(kept.message.sid) == "nothing to answer"
    assert await replies_sent(engine) == [reply] and await acks(engine) == 1


async def test_a_past_deadline_commits_nothing_and_leaves_the_message_for_a_worker(
        services, engine) -> None:
    kept = await services.sms_inbox.keep(form("1a"))
    with pytest.raises(TooLate):
        await services.sms_inbox.answer(kept.message.sid, AnsweredVia.TWIML,
                                        deadline=asyncio.get_running_loop().time() - 1)
    assert await acks(engine) == 0
    assert await services.sms_inbox.answer_later(kept.message.sid) == "answered by SMS"
    assert await acks(engine) == 1 and len(await replies_sent(engine)) == 1


SERVICE = "MG" + "5" * 32


@pytest.mark.parametrize(("resident_from", "extra", "to"), [
    (SERVICE, {"MessagingServiceSid": SERVICE}, SERVICE),  # through the residents' service
    (SERVICE, {"MessagingServiceSid": "MG" + "6" * 32}, "+12125550199"),  # another service
    (SERVICE, {}, "+12125550199"),
    ("+12125550199", {"MessagingServiceSid": SERVICE}, "+12125550199"),  # a number in a service
    (None, {"MessagingServiceSid": SERVICE}, "+12125550199"),
])
def test_a_text_through_the_residents_messaging_service_is_kept_as_sent_to_it(
        resident_from, extra, to) -> None:
    assert message_of({**form("STOP"), **extra}, resident_from).to_number == to
