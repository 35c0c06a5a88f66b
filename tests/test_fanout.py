"""Resident broadcasts at carrier speed: paced batches that resume after a killed worker without
a second copy for anyone, and staff alerts always first."""

import asyncio
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from bot.config.settings import SAMPLE_SITES
from bot.main.app import create_app
from bot.queue.connection import QUEUES, connect, queue
from bot.queue.ratelimit import TokenBucket
from bot.services.broadcasts import Broadcaster
from bot.services.live_sites import LiveSites
from bot.store import inbound, residents
from bot.store.engine import open_engine
from bot.store.schema import deliveries
from tests.clock import FakeClock
from tests.conftest import ACCOUNT, API_TOKEN, SIGNING_SECRET, SLACK_TOKEN, STAFF_FROM, TWILIO_TOKEN
from tests.faults.conftest import kill_tree
from tests.polling import eventually
from workers.delivery import lease

RESIDENT_FROM = "+12125550198"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PEOPLE = [f"+1718555{n:04d}" for n in range(300, 340)]  # 40 residents of Brownsville


@pytest.fixture
def clock(settings):
    # Real time: a worker in another process keeps the real clock, and so must we here.
    return FakeClock(datetime.now(UTC), settings.redis_url)


@pytest.fixture
def resident_settings(live_settings):
    # 10 segments a second: the 40-person broadcast takes about four one-second batch runs.
    return replace(live_settings, twilio_resident_from=RESIDENT_FROM, sms_rate_per_second=10)


async def sign_up(settings, phones, zone="nta:BK81", label="Brownsville"):
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        for phone in phones:
            await residents.ensure(conn, phone, "en", now)
            await residents.request(conn, phone, zone, label, "JOIN", f"JOIN {label}", now)
            await residents.confirm(conn, phone, "YES", now)
    await engine.dispose()


async def start_broadcast(settings, sample_sites, clock, text="Cooling center open at PS 156"):
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    connection = connect(settings.redis_url)
    broadcaster = Broadcaster(engine, LiveSites(sample_sites.sites), connection, clock,
                              settings.sms_rate_per_second)
    preview = await broadcaster.draft("nta:BK81", text, "Dana Reyes")
    await broadcaster.confirm(preview.broadcast_id, "Dana Reyes")
    connection.close()
    await engine.dispose()
    return preview


def worker_env(settings):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CMSBOT_", "TWILIO_", "SLACK_", "DATABASE_", "REDIS_"))}
    return {**env, "CMSBOT_HOME": str(settings.home), "REDIS_URL": settings.redis_url,
            "CMSBOT_SITES": str(SAMPLE_SITES), "CMSBOT_API_TOKEN": API_TOKEN,
            "CMSBOT_PUBLIC_URL": settings.public_url, "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_STAFF_FROM": STAFF_FROM,
            "TWILIO_RESIDENT_FROM": RESIDENT_FROM, "TWILIO_API_URL": settings.twilio_api_url,
            "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": settings.slack_api_url, "SMS_RATE_PER_SECOND": "10",
            "CMSBOT_RETRY_BACKOFF": "0", "CMSBOT_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}


def broadcast_messages(twilio):
    return [m for m in twilio.messages if m.body.startswith("CMS Safety Update (")]


async def test_a_worker_killed_mid_broadcast_leaves_nobody_with_two_copies(
        resident_settings, sample_sites, clock, twilio, run_worker):
    await sign_up(resident_settings, PEOPLE)
    await start_broadcast(resident_settings, sample_sites, clock)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "worker", env=worker_env(resident_settings),
        start_new_session=True)
    await eventually(lambda: broadcast_messages(twilio), "the first eight messages",
                     until=lambda sent: len(sent) >= 8)
    kill_tree(worker.pid)  # the worker and the job it was running
    await worker.wait()
    sent_before = len(broadcast_messages(twilio))
    assert sent_before < len(PEOPLE)  # it really died mid-way
    # Time passes for rq: the dead worker's job is found abandoned and handed back, and a
    # message it had claimed but not sent is taken over once the claim's lease runs out.
    connection = connect(resident_settings.redis_url)
    for name in QUEUES:
        StartedJobRegistry(queue=queue(connection, name)).cleanup(time.time() + 10**6)
    connection.close()
    clock.advance(datetime.now(UTC) - clock.now + lease(resident_settings.provider_timeout)
                  + timedelta(seconds=1))
    await run_worker(resident_settings, clock)
    received = sorted(m.to for m in broadcast_messages(twilio))
    assert received == sorted(PEOPLE)  # everyone exactly once


async def test_staff_alerts_go_ahead_of_a_broadcast(aiohttp_client, resident_settings, port,
                                                    sample_sites, clock, twilio, run_worker):
    await sign_up(resident_settings, PEOPLE)
    client = await aiohttp_client(create_app(resident_settings, sites=sample_sites, clock=clock),
                                  server_kwargs={"port": port})
    await start_broadcast(resident_settings, sample_sites, clock)
    working = asyncio.create_task(run_worker(resident_settings, clock))
    await eventually(lambda: broadcast_messages(twilio), "the broadcast to start",
                     until=lambda sent: len(sent) >= 5)
    incident = {"id": "NYPD-1", "occurred_at": clock.now.isoformat(), "lat": 40.8105,
                "lon": -73.9235, "location": "E 138 ST & WILLIS AVE"}
    assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    await working
    order = [m.body[:9] for m in twilio.messages]
    first_alert = order.index("CMS ALERT")
    last_update = max(i for i, body in enumerate(order) if body == "CMS Safet")
    assert first_alert < last_update  # the alert did not wait for the broadcast to finish
    assert len(broadcast_messages(twilio)) == len(PEOPLE)


async def test_a_429_slows_the_shared_pace_and_everyone_still_gets_one_copy(
        resident_settings, sample_sites, clock, twilio, run_worker):
    await sign_up(resident_settings, PEOPLE[:10])
    await start_broadcast(resident_settings, sample_sites, clock)
    twilio.fail_next(2, status=429, retry_after=0)
    await run_worker(resident_settings, clock)
    assert sorted(m.to for m in broadcast_messages(twilio)) == sorted(PEOPLE[:10])
    bucket = TokenBucket(connect(resident_settings.redis_url), "resident-sms",
                         resident_settings.sms_rate_per_second)
    assert bucket.current_rate() < resident_settings.sms_rate_per_second  # every worker slows


async def test_a_number_refused_for_good_costs_only_its_own_message(
        resident_settings, sample_sites, clock, twilio, run_worker):
    unpaced = replace(resident_settings, sms_rate_per_second=0)  # one page, sent concurrently
    refused = PEOPLE[3]
    await sign_up(unpaced, PEOPLE[:12])
    twilio.fail_number(refused, 21610)  # Twilio: this number replied STOP to the sender
    await start_broadcast(unpaced, sample_sites, clock)
    await run_worker(unpaced, clock)
    assert sorted(m.to for m in broadcast_messages(twilio)) == sorted(
        p for p in PEOPLE[:12] if p != refused)
    engine = open_engine(unpaced.sqlalchemy_url, pooled=False)
    async with engine.connect() as conn:
        statuses = dict((await conn.execute(
            select(deliveries.c.recipient, deliveries.c.status))).all())
        opted_out = await inbound.opted_out(conn, refused, "resident")
    await engine.dispose()
    assert statuses.pop(refused) == "failed" and opted_out  # mirrored: not tried again
    assert set(statuses.values()) == {"sent"}
