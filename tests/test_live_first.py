"""A new shooting's alerts go out first: ahead of a backlog of escalations of older incidents
and of a flood of replies that the webhook could not act on in time."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts.outbound import Outbound, delivery_key
from bot.main.app import create_app
from bot.queue.connection import connect, enqueue_sends, queue
from bot.store.engine import open_engine
from bot.store.pages import insert_messages
from tests.clock import from_start
from tests.conftest import STAFF_FROM
from tests.polling import eventually
from tests.test_responses import LUIS, alert
from workers.posts import refresh_lock_name

# In the sample sites, this point is man-up-eny's catchment only.
EAST_NEW_YORK = {"id": "NYPD-NEW", "occurred_at": from_start(-timedelta(minutes=1)), "lat": 40.6598,
                 "lon": -73.8931, "location": "LINDEN BLVD & SHEFFIELD AVE", "victims": 1}
MAN_UP = {"+12125550175", "+12125550177", "+12125550178"}  # its members on shift
BACKLOG = 500


@pytest.fixture
def hurried(live_settings):
    # Every reply is left for a worker, as under a flood the webhook could not keep up with.
    return replace(live_settings, reply_budget=1e-9)


@pytest.fixture
async def client(aiohttp_client, hurried, port, clock, sample_sites):
    return await aiohttp_client(create_app(hurried, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


async def queue_escalations(settings, redis_url: str, count: int) -> None:
    """`count` escalation SMS of an older incident, stored and queued as its chain steps would."""
    now = datetime.now(UTC)
    messages = [Outbound(key=delivery_key(f"backlog:{n}", "escalation", "sms", f"+1718555{n:04d}"),
                         incident_id="NYPD-1", kind="escalation", channel="sms",
                         recipient=f"+1718555{n:04d}", body=f"CMS ESCALATION #1: backlog {n}")
                for n in range(count)]
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with engine.begin() as conn:
            keys = await insert_messages(conn, messages, now)
    finally:
        await engine.dispose()
    connection = connect(redis_url)
    try:
        enqueue_sends(connection, keys)
    finally:
        connection.close()


async def test_a_new_shootings_alerts_go_before_a_backlog_and_a_reply_flood(
        client, twilio, port, hurried, redis_url, run_worker, clock):
    await alert(client, lambda: run_worker(hurried, clock))
    await queue_escalations(hurried, redis_url, BACKLOG)
    url = f"http://127.0.0.1:{port}/twilio/sms"
    flood = [twilio.send_inbound(url, LUIS, STAFF_FROM, f"1n update {n}") for n in range(100)]
    posted = client.post("/api/incidents", json=EAST_NEW_YORK,
                         headers={"Authorization": "Bearer " + hurried.ingest_token().reveal()})
    *answers, response = await asyncio.gather(*flood, posted)
    assert response.status == 202
    assert all(status == 200 for status, _ in answers)
    connection = connect(redis_url)
    try:
        waiting = {name: queue(connection, name).count for name in ("live", "alerts", "replies")}
    finally:
        connection.close()
    # The new shooting: three SMS and its team channel's post. The hundred replies left for a
    # worker wait for one drain (two at most: one more if the first had started).
    assert (waiting["live"], waiting["alerts"]) == (4, BACKLOG) and waiting["replies"] in (1, 2)
    before = len(twilio.messages)
    await run_worker(hurried, clock)
    sent = twilio.messages[before:]
    assert {m.to for m in sent[:3]} == MAN_UP  # the new shooting first, every member of it
    assert all(m.body.startswith("CMS ALERT #") for m in sent[:3])
    assert sum(m.body.startswith("CMS ESCALATION #1: backlog") for m in sent) == BACKLOG
    assert sum(m.to == LUIS and m.body == "CMS: note added to #1." for m in sent) == 100


async def test_a_redraw_held_up_by_its_lock_is_retried_and_never_holds_up_a_new_shooting(
        client, twilio, slack, sms_from_luis, hurried, redis_url, run_worker, clock):
    work = lambda: run_worker(hurried, clock)  # noqa: E731
    await alert(client, work)
    connection = connect(redis_url)
    # As a worker killed in the middle of a redraw of NYPD-1 leaves it: its lock, for a minute.
    held = connection.lock(refresh_lock_name("NYPD-1"), timeout=60)
    assert held.acquire(blocking=False)
    try:
        await sms_from_luis("1A")
        response = await client.post("/api/incidents", json=EAST_NEW_YORK, headers={
            "Authorization": "Bearer " + hurried.ingest_token().reveal()})
        assert response.status == 202
        redraws = len(slack.updates)
        # The worker does not wait for the lock (it would for 30 s): a run ends well inside
        # the deadline, the new shooting texted, NYPD-1's post not yet redrawn.
        await asyncio.wait_for(work(), timeout=20)
        assert {m.to for m in twilio.messages} >= MAN_UP
        assert len(slack.updates) == redraws
    finally:
        held.release()
        connection.close()

    async def redrawn() -> bool:
        await work()  # the redraw was rescheduled a moment later: run until it has come due
        return any("Luis Feliz: acknowledged" in str(u["blocks"]) for u in slack.updates)

    await eventually(redrawn, "NYPD-1's post redrawn once its lock was free", within=30,
                     interval=0.2)


@pytest.fixture
def sms_from_luis(twilio, port):
    async def send(body: str) -> None:
        status, _ = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", LUIS,
                                              STAFF_FROM, body)
        assert status == 200
    return send
