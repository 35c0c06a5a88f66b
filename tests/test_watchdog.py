"""`cmsbot watchdog` as a real process: with every worker dead and an alert due, it texts the
coordinators itself (through the Twilio double, not through rq) and posts in their channel,
once per outage, a restarted watchdog included, and says when alerts go out again. Whom it
texts is the database's roster: a coordinator's new phone, not the sites file's old one."""

import asyncio
import sys
from datetime import UTC, datetime

import pytest

from alerts.roster import COORDINATORS, RosterChange
from bot.main.app import create_app
from bot.store import roster
from bot.store.engine import open_engine
from bot.store.watchdog import current
from tests.clock import minutes_ago
from tests.faults.conftest import kill_tree
from tests.polling import eventually
from tests.processes import read_until
from tests.test_fanout import worker_env
from tests.test_responses import AUTH, BRONX, DANA, LUIS, SAM

NEW_SAM = "+12125550109"  # Sam's new phone, in the roster only
UNSENT = 2.0  # seconds a staff alert may wait, for the test (120 in production)
COORDINATORS_CHANNEL = "C0CMSHQ"


def watchdog_texts(twilio, number):
    return [m.body for m in twilio.sent_to(number) if m.body.startswith("CMS WATCHDOG")]


def watchdog_posts(slack):
    return [p["text"] for p in slack.posts
            if p["channel"] == COORDINATORS_CHANNEL and p["text"].startswith("CMS WATCHDOG")]


async def new_phone_for_sam(settings, now):
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with engine.begin() as conn:
            await roster.apply(conn, [RosterChange(
                "change", COORDINATORS, "Sam Whitfield",
                {"name": "Sam Whitfield", "phone": SAM, "slack_user": "U0COORD2"},
                {"name": "Sam Whitfield", "phone": NEW_SAM, "slack_user": "U0COORD2"})],
                now, "Dana Reyes", trusted=True)
    finally:
        await engine.dispose()


async def told(settings):
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with engine.connect() as conn:
            outage = await current(conn)
    finally:
        await engine.dispose()
    return outage is not None and outage.announced


@pytest.fixture
def env(live_settings):
    return {**worker_env(live_settings), "CMSBOT_WATCHDOG_SECONDS": "0.2",
            "CMSBOT_WATCHDOG_UNSENT": str(UNSENT), "CMSBOT_LOG_LEVEL": "INFO"}


@pytest.fixture
async def processes():
    started: list[asyncio.subprocess.Process] = []

    async def start(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *args, env=env, start_new_session=True,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.returncode is None:
            kill_tree(process.pid)
            await process.wait()


async def test_a_dead_worker_with_an_alert_due_pages_the_coordinators_once_then_recovery(
        aiohttp_client, live_settings, sample_sites, port, twilio, slack, env, processes):
    # The web process on the real clock (the watchdog is a real process reading it), no worker.
    client = await aiohttp_client(create_app(live_settings, sites=sample_sites),
                                  server_kwargs={"port": port})
    await new_phone_for_sam(live_settings, datetime.now(UTC))
    watchdog = await processes("watchdog", env=env)
    incident = {**BRONX, "occurred_at": minutes_ago(1)}
    assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    loop = asyncio.get_running_loop()
    posted = loop.time()

    paged = await eventually(
        lambda: [watchdog_texts(twilio, DANA), watchdog_texts(twilio, NEW_SAM)],
        "the watchdog to text both coordinators", until=all, within=UNSENT + 10)
    assert watchdog_texts(twilio, SAM) == []  # his old number, still in the sites file
    assert loop.time() - posted < UNSENT + 10
    for texts in paged:
        assert texts[0].startswith("CMS WATCHDOG: alerts may not be going out since ")
        assert "staff alerts waiting unsent over 2s" in texts[0]
    await eventually(lambda: watchdog_posts(slack), "the watchdog's post in Slack")
    assert twilio.sent_to(LUIS) == []  # the alert itself is still stuck: no worker

    # A restarted watchdog knows the outage and does not page again for it (once the first
    # has noted that it told them: a watchdog killed in between pages again, rather than never).
    await eventually(lambda: told(live_settings), "the outage noted as told")
    kill_tree(watchdog.pid)
    await watchdog.wait()
    restarted = await processes("watchdog", env=env)
    seen: list[str] = []
    await read_until(restarted, lambda out: "watchdog" in out and "every" in out, seen)

    await processes("worker", env=env)
    await eventually(lambda: twilio.sent_to(LUIS), "the worker to send the alert", within=60)
    told_both = await eventually(
        lambda: [watchdog_texts(twilio, DANA), watchdog_texts(twilio, NEW_SAM)],
        "the watchdog to say it recovered", until=lambda texts: all(len(t) >= 2 for t in texts),
        within=30)
    for texts in told_both:  # one page for the outage (restart included), one for recovery
        assert len(texts) == 2 and texts[1].startswith("CMS WATCHDOG: recovered at ")
    assert len(await eventually(lambda: watchdog_posts(slack)[1:], "the recovery post")) == 1
