"""Who is called, by the sites file: members who list only sms are not, a team may take no
calls, escalation steps may call; and a worker killed mid-call never places a second one."""

import asyncio
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from rq.registry import StartedJobRegistry

from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import load_sites
from bot.main.app import create_app
from bot.queue.connection import QUEUES, connect, queue
from tests.clock import FakeClock
from tests.faults.conftest import kill_tree
from tests.polling import eventually
from tests.test_fanout import worker_env
from tests.test_responses import AUTH, BRONX, GRACE, LUIS, VICTOR
from workers.delivery import lease


def sites_file(tmp_path, change):
    """The sample sites with Bronx Rises changed by `change(team)`, written and loaded."""
    data = yaml.safe_load(SAMPLE_SITES.read_text())
    change(next(t for t in data["teams"] if t["id"] == "brag-mott-haven"))
    for layer in data["geofence_layers"].values():  # still the sample layers, beside the sample
        layer["path"] = str(SAMPLE_SITES.parent / layer["path"])
    path = tmp_path / "sites.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, load_sites(path)


@pytest.fixture
def policy(aiohttp_client, live_settings, port, run_worker, clock, tmp_path):
    """An app and a worker on the sample sites as changed by the test."""
    async def start(change):
        path, loaded = sites_file(tmp_path, change)
        settings = replace(live_settings, sites_path=path)
        client = await aiohttp_client(create_app(settings, sites=loaded, clock=clock),
                                      server_kwargs={"port": port})

        async def work():
            await run_worker(settings, clock, sites=loaded)
        response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
        assert response.status == 202, await response.text()
        await work()
        return work
    return start


def sms_only(member_name):
    def change(team):
        member = next(m for m in team["members"] if m["name"] == member_name)
        member["contact"] = ["sms"]
    return change


async def test_a_member_who_lists_only_sms_is_not_called(policy, twilio, clock):
    work = await policy(sms_only("Grace Kim"))
    clock.advance(timedelta(minutes=3, seconds=1))
    await work()
    assert (len(twilio.calls_to(LUIS)), len(twilio.calls_to(GRACE))) == (1, 0)


async def test_a_team_may_take_no_calls(policy, twilio, clock):
    work = await policy(lambda team: team.update(repage_after="off"))
    clock.advance(timedelta(minutes=9))
    await work()
    assert twilio.calls == []


async def test_an_escalation_step_may_call_the_supervisor(policy, twilio, clock):
    steps = [{"after": "10m", "notify": "supervisor", "via": ["sms", "voice"]}]
    work = await policy(lambda team: team.update(escalation={"steps": steps}, repage_after="off"))
    clock.advance(timedelta(minutes=10, seconds=1))
    await work()
    assert len(twilio.calls_to(VICTOR)) == 1
    assert twilio.sent_to(VICTOR)[0].body.startswith("CMS ESCALATION #1")


@pytest.fixture
def real_clock(settings):
    # Real time: a worker in another process keeps the real clock, and so must we here.
    return FakeClock(datetime.now(UTC), settings.redis_url)


async def test_a_worker_killed_mid_call_places_no_second_call(
        aiohttp_client, live_settings, port, run_worker, twilio, tmp_path, real_clock):
    path, loaded = sites_file(tmp_path, lambda team: team.update(repage_after="2s"))
    settings = replace(live_settings, sites_path=path)
    client = await aiohttp_client(create_app(settings, sites=loaded, clock=real_clock),
                                  server_kwargs={"port": port})
    incident = {**BRONX, "occurred_at": datetime.now(UTC).isoformat()}
    assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    await run_worker(settings, real_clock, sites=loaded)  # the texts go out
    twilio.hang_next(1, seconds=60, accept=True)  # the first call is placed, its answer stalls
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "worker",
        env={**worker_env(settings), "CMSBOT_SITES": str(path)}, start_new_session=True)
    first = await eventually(lambda: list(twilio.calls), "the first call",
                             until=lambda placed: len(placed) == 1, within=20)
    kill_tree(worker.pid)  # mid-call: Twilio placed it, the worker never heard back
    await worker.wait()
    connection = connect(settings.redis_url)
    for name in QUEUES:
        StartedJobRegistry(queue=queue(connection, name)).cleanup(time.time() + 10**6)
    # ...and the dead worker's scheduler lock runs out, as it would in a minute.
    locks = connection.keys("rq:scheduler-lock:*")
    if locks:
        connection.delete(*locks)
    connection.close()
    real_clock.advance(datetime.now(UTC) - real_clock.now + lease(settings.provider_timeout)
                       + timedelta(seconds=1))
    await run_worker(settings, real_clock, sites=loaded)
    assert sorted(c.to for c in twilio.calls) == sorted([LUIS, GRACE])  # each exactly once
    assert twilio.calls[0].sid == first[0].sid
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert {d["status"] for d in shown["deliveries"] if d["channel"] == "voice"} == {"sent"}
    # Luis's claim, left by the dead worker, was resolved by asking Twilio, not by calling again.
    assert [r.query.get("To") for r in twilio.requests
            if r.method == "GET" and r.path.endswith("/Calls.json")] == [first[0].to]
