"""Faults on real processes: killed workers, an emptied Redis, flaky providers, shutdowns.

Web and worker run as `cmsbot serve` and `cmsbot worker` subprocesses with the real Redis; the
Twilio and Slack API doubles fail on command. Escalation steps here are seconds apart (the
`fast_sites` fixture), so they happen in real time while the tests poll with deadlines.
"""

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.config.settings import Settings
from bot.store.engine import open_engine
from bot.store.schema import incidents, takedown_steps
from tests.clock import minutes_ago
from tests.polling import eventually

# In the sample sites, this point is in man-up-eny's catchment only (supervisor: Lee Park).
EAST_NEW_YORK = {"occurred_at": minutes_ago(5), "lat": 40.6598, "lon": -73.8931,
                 "location": "LINDEN BLVD & SHEFFIELD AVE", "victims": 1}
LEE, DANA = "+12125550176", "+12125550100"
# Brownsville In Violence Out's circle only: default escalation (10 min), so none fires here.
BROWNSVILLE = {"occurred_at": minutes_ago(5), "lat": 40.6635, "lon": -73.9105,
               "location": "LIVONIA AVE & ROCKAWAY AVE", "victims": 1}


def incident(number: int) -> dict:
    return {**EAST_NEW_YORK, "id": f"NYPD-F{number}"}


def alerts_by_recipient(twilio) -> Counter:
    return Counter(m.to for m in twilio.messages if m.body.startswith("CMS ALERT"))


async def sms_statuses(service, incident_id: str) -> set[str]:
    """The statuses of an incident's SMS deliveries, as the API shows them."""
    shown = await service.get(f"/api/incidents/{incident_id}")
    return {d["status"] for d in shown["deliveries"] if d["channel"] == "sms"}


def all_sent(statuses: set[str]) -> bool:
    return statuses == {"sent"}


async def paged(service, incident_id: str) -> set[str]:
    """Who got the alert itself (escalations come later, to others)."""
    shown = await service.get(f"/api/incidents/{incident_id}")
    return {d["recipient"] for d in shown["deliveries"]
            if d["channel"] == "sms" and d["kind"] == "alert"}


@pytest.mark.parametrize("mode", [(), ("--fork",)], ids=["in-process", "forking"])
async def test_a_worker_killed_while_alerting_a_team_leaves_everyone_with_one_alert(
        service, twilio, mode):
    await service.start("serve")
    # A patient worker: it is still waiting for Twilio's answer when it is killed.
    worker = await service.start("worker", *mode, CMSBOT_PROVIDER_TIMEOUT="10")
    twilio.hang_next(1, seconds=30, accept=True)  # Twilio takes the first; its answer never comes
    status, body, _ = await service.post("/api/incidents", incident(1))
    assert status == 202 and body["deliveries"] >= 3
    await eventually(lambda: twilio.messages, "the first alert to reach Twilio")
    await service.stop(worker, signal.SIGKILL)  # mid-send: the claim is left behind
    await service.start("worker", *mode)
    await eventually(lambda: sms_statuses(service, "NYPD-F1"), "every alert to be sent",
                     until=all_sent, within=60)
    expected = await paged(service, "NYPD-F1")
    assert sum(alerts_by_recipient(twilio).values()) == len(expected)
    assert max(alerts_by_recipient(twilio).values()) == 1  # nobody got two


async def test_redis_restarted_empty_mid_escalation_still_escalates_each_step_once(
        service, twilio, private_redis):
    await service.start("serve", REDIS_URL=private_redis.url)
    await service.start("worker", REDIS_URL=private_redis.url)
    status, _, _ = await service.post("/api/incidents", incident(2))
    assert status == 202
    await eventually(lambda: alerts_by_recipient(twilio), "the alerts")
    await private_redis.restart_empty()  # connections dropped; every queued and scheduled job gone
    await eventually(lambda: twilio.sent_to(LEE), "the supervisor's escalation (step 1)",
                     within=60)
    await eventually(lambda: twilio.sent_to(DANA), "the coordinators' escalation (step 2)",
                     within=60)
    escalations = [m.to for m in twilio.messages if m.body.startswith("CMS ESCALATION")]
    assert escalations.count(LEE) == 1 and escalations.count(DANA) == 1


async def test_redis_restarted_empty_mid_takedown_plan_still_sends_each_step_once(
        service, twilio, settings, private_redis):
    await service.start("serve", REDIS_URL=private_redis.url)
    await service.start("worker", REDIS_URL=private_redis.url)
    status, plan, _ = await service.post("/api/takedowns", {"area": "man-up-eny",
                                                            "date": "tomorrow"})
    assert status == 201
    # Bring the first three team steps to the next few seconds (the database is the schedule:
    # the worker's reconcile picks the new times up).
    soon = [s["id"] for s in plan["steps"] if s["to"] == "team"][:3]
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    async with engine.begin() as conn:
        for offset, step_id in enumerate(soon):
            await conn.execute(update(takedown_steps).where(takedown_steps.c.id == step_id).values(
                at=datetime.now(UTC) + timedelta(seconds=3 + 4 * offset)))
    await engine.dispose()
    await eventually(lambda: [m for m in twilio.messages if m.body.startswith("CMS TAKEDOWN")],
                     "the first reminder", within=60)
    await private_redis.restart_empty()  # mid-plan: the other steps' jobs gone
    await eventually(lambda: {m.body for m in twilio.messages if m.body.startswith("CMS TAKEDOWN")},
                     "the other two reminders after the flush", until=lambda sent: len(sent) >= 3,
                     within=60)
    reminders = Counter((m.to, m.body) for m in twilio.messages
                        if m.body.startswith("CMS TAKEDOWN"))
    assert max(reminders.values()) == 1  # each step once to each member
    shown = await service.get(f"/api/takedowns/{plan['id']}")
    assert [s["status"] for s in shown["steps"] if s["id"] in soon] == ["sent"] * 3


async def test_flaky_twilio_still_delivers_every_alert_once(service, twilio):
    twilio.fail_ratio(0.2, statuses=(500, 429), seed=7)
    twilio.hang_next(2, seconds=3, accept=True)  # timeouts whose messages did go through
    await service.start("serve")
    await service.start("worker")
    await service.start("worker")
    for number in range(10, 30):
        status, _, _ = await service.post("/api/incidents", {**BROWNSVILLE, "id": f"NYPD-F{number}"})
        assert status == 202
    expected = sum([len(await paged(service, f"NYPD-F{n}")) for n in range(10, 30)])
    assert expected == 20

    async def unsent() -> list[str]:
        return [f"NYPD-F{n}" for n in range(10, 30)
                if not all_sent(await sms_statuses(service, f"NYPD-F{n}"))]

    await eventually(unsent, "every alert to be sent", until=lambda left: not left, within=90)
    bodies = Counter((m.to, m.body) for m in twilio.messages if m.body.startswith("CMS ALERT"))
    assert sum(bodies.values()) == expected and max(bodies.values()) == 1


async def test_slack_down_holds_no_sms_and_posts_catch_up(service, twilio, slack):
    slack.down()
    await service.start("serve")
    await service.start("worker")
    status, _, _ = await service.post("/api/incidents", incident(30))
    assert status == 202
    await eventually(lambda: alerts_by_recipient(twilio), "the SMS alerts while Slack is down")
    assert slack.posts == []
    slack.up()
    await eventually(lambda: [p for p in slack.posts if p["channel"] == "C075ENY"],
                     "the Slack post to catch up", within=60)
    assert len([p for p in slack.posts if p["channel"] == "C075ENY"]) == 1


async def test_sigterm_lets_the_job_in_flight_finish_and_loses_none(service, twilio):
    await service.start("serve")
    worker = await service.start("worker", CMSBOT_PROVIDER_TIMEOUT="10")
    twilio.hang_next(1, seconds=2, accept=True)  # a slow send is in flight when SIGTERM comes
    status, _, _ = await service.post("/api/incidents", incident(40))
    assert status == 202
    await eventually(lambda: twilio.requests, "the send to be in flight")
    assert await service.stop(worker, signal.SIGTERM) == 0  # a warm shutdown
    shown = await service.get("/api/incidents/NYPD-F40")
    finished = [d for d in shown["deliveries"] if d["status"] == "sent"]
    assert finished, "the job in flight finished before the worker left"
    await service.start("worker")  # the rest were still queued in Redis
    await eventually(lambda: sms_statuses(service, "NYPD-F40"), "the rest", until=all_sent)
    assert sum(alerts_by_recipient(twilio).values()) == len(await paged(service, "NYPD-F40"))
    assert max(alerts_by_recipient(twilio).values()) == 1


async def test_an_unreachable_database_is_a_503_and_the_same_post_later_succeeds(
        service, database_proxy, twilio, postgres_url):
    proxy, via_proxy = database_proxy
    service.extra["DATABASE_URL"] = via_proxy
    await service.start("serve")
    await proxy.cut()
    worker = await service.start("worker")  # started during the outage: it waits, not crashes
    status, body, headers = await service.post("/api/incidents", incident(60))
    assert status == 503 and headers.get("Retry-After") == "5"
    assert "Traceback" not in str(body) and body == {"error": "temporarily unavailable; retry shortly"}
    engine = open_engine(Settings(database_url=postgres_url).sqlalchemy_url, pooled=False)
    async with engine.connect() as conn:
        assert (await conn.execute(select(incidents.c.id))).all() == []  # nothing half written
    await engine.dispose()
    # The worker has met the outage (not merely started) before the database comes back.
    await eventually(lambda: service.output(worker), "the worker to find the database unreachable",
                     until=lambda out: "the database is unreachable" in out)
    assert worker.returncode is None
    await proxy.start()
    status, body, _ = await service.post("/api/incidents", incident(60))
    assert status == 202 and body["duplicate"] is False
    await eventually(lambda: sms_statuses(service, "NYPD-F60"), "the alerts", until=all_sent)
    assert worker.returncode is None


async def test_sigterm_to_the_web_process_finishes_the_request_in_flight(
        service, database_proxy, twilio):
    proxy, via_proxy = database_proxy
    service.extra["DATABASE_URL"] = via_proxy
    web = await service.start("serve")
    proxy.slow = 0.1  # every database round trip is slow: the request is still in flight
    before = proxy.chunks
    request = asyncio.create_task(service.post("/api/incidents", incident(70)))
    # The web process touches the database only when asked: traffic now is the request's own.
    await eventually(lambda: proxy.chunks, "the request to reach the database",
                     until=lambda chunks: chunks > before)
    assert not request.done()
    web.send_signal(signal.SIGTERM)
    status, body, _ = await request
    assert status == 202 and body["id"] == "NYPD-F70"
    assert await asyncio.wait_for(web.wait(), 60) == 0
    proxy.slow = 0.0
    await service.start("serve")
    shown = await service.get("/api/incidents/NYPD-F70")
    assert len(shown["deliveries"]) >= 3  # stored whole before the process left
