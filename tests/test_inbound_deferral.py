"""A reply the webhook cannot act on in time: answered at once with empty TwiML, acted on once by a
worker, and answered by an ordinary SMS. Nothing acted on twice, nothing dropped."""

import socket
from dataclasses import replace
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import redis

from alerts.states import AnsweredVia
from bot.main.app import create_app
from bot.queue.connection import queue
from bot.store.engine import open_engine
from bot.store.inbound import earlier
from tests.conftest import STAFF_FROM
from tests.test_responses import BRONX, LUIS, alert, bodies, timeline

# The budget ends before the answer can commit: every reply is left for the worker.
NO_TIME = 1e-9


@pytest.fixture
def hurried(live_settings):
    return replace(live_settings, reply_budget=NO_TIME)


@pytest.fixture
async def client(aiohttp_client, hurried, port, clock, sample_sites):
    return await aiohttp_client(create_app(hurried, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def work(run_worker, hurried, clock):
    return lambda: run_worker(hurried, clock)


@pytest.fixture
def text(twilio, port):
    """Text the staff number; (status, the TwiML's message or None, the MessageSid)."""
    async def send(sender: str, body: str, sid: str | None = None):
        sid = sid or f"SM{abs(hash((sender, body))):032x}"[:34]
        status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms",
                                                   sender, STAFF_FROM, body, message_sid=sid)
        messages = [m.text for m in ElementTree.fromstring(answer).iter("Message")] \
            if status == 200 else []  # noqa: S314 (our own app's answer, in a test)
        return status, (messages[0] if messages else None), sid
    return send


async def kept(settings, sid):
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with engine.connect() as conn:
            return await earlier(conn, sid)
    finally:
        await engine.dispose()


async def test_a_reply_past_the_budget_gets_empty_twiml_and_then_its_answer_by_sms(
        client, work, twilio, text, hurried):
    await alert(client, work)
    status, answer, sid = await text(LUIS, "1a")
    assert (status, answer) == (200, None)  # answered at once, without the reply
    assert ("Luis Feliz", "acknowledged") not in await timeline(client)
    await work()
    assert bodies(twilio, LUIS)[-1].startswith("CMS: #1 acknowledged")
    assert (await timeline(client)).count(("Luis Feliz", "acknowledged")) == 1
    stored = await kept(hurried, sid)
    assert stored is not None and stored.answered_via is AnsweredVia.SMS


async def test_a_deferred_reply_is_acted_on_once_however_often_it_is_asked_for(
        client, work, twilio, text, hurried):
    await alert(client, work)
    _, _, sid = await text(LUIS, "1n gunfire heard on willis")
    again = await text(LUIS, "1n gunfire heard on willis", sid)  # Twilio's retry: same sid
    assert again[:2] == (200, None)
    await work()
    await work()
    notes = [e for e in await timeline(client) if e == ("Luis Feliz", "note")]
    assert len(notes) == 1
    assert bodies(twilio, LUIS).count("CMS: note added to #1.") == 1
    retried = await text(LUIS, "1n gunfire heard on willis", sid)  # answered: no second reply
    assert retried[:2] == (200, None)


async def test_a_deferred_stop_is_kept_and_answered_with_nothing(client, work, twilio, text):
    await alert(client, work)
    before = len(twilio.sent_to(LUIS))
    await text(LUIS, "STOP")
    await work()
    await alert(client, work, {**BRONX, "id": "NYPD-2"})
    # Twilio itself confirms a STOP; we say nothing, and send nothing more from that number.
    assert len(twilio.sent_to(LUIS)) == before


async def test_deferred_replies_wait_on_their_own_queue_behind_new_alerts(
        client, work, text, redis_url):
    await alert(client, work)
    await text(LUIS, "1a")
    connection = redis.Redis.from_url(redis_url)
    try:
        assert queue(connection, "replies").count == 1
        assert queue(connection, "live").count == 0
    finally:
        connection.close()


async def test_a_reply_deferred_while_redis_is_away_is_found_by_reconcile(
        aiohttp_client, client, work, twilio, hurried, sample_sites, clock):
    await alert(client, work)
    with socket.socket() as probe:  # a port nobody listens on: Redis refused at once
        probe.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = replace(hurried, redis_url=closed, public_url=f"http://127.0.0.1:{port}")
    await aiohttp_client(create_app(away, sites=sample_sites, clock=clock),
                         server_kwargs={"port": port})
    status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", LUIS,
                                               STAFF_FROM, "1s")
    assert (status, ElementTree.fromstring(answer).find("Message")) == (200, None)  # noqa: S314
    await work()
    assert not any(b.startswith("CMS: #1 on scene") for b in bodies(twilio, LUIS))
    clock.advance(timedelta(minutes=1))  # past reconcile's grace for work already on its way
    await work()  # the worker reconciles on start: the kept message gets its job
    assert bodies(twilio, LUIS)[-1].startswith("CMS: #1 on scene")
