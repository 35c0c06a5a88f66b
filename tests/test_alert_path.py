"""The alert path end to end: HTTP in, a real rq worker on a real Redis, the real Twilio and Slack
SDKs out to local API doubles. Each test is something an on-call team would notice."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from twilio.rest import Client

from bot.main.app import create_app
from bot.queue.connection import connect, enqueue_sends
from bot.store.engine import open_engine
from bot.store.schema import deliveries
from tests.clock import from_start
from tests.conftest import ACCOUNT, API_TOKEN, STAFF_FROM, TWILIO_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
INCIDENT = {"id": "NYPD-261234567", "occurred_at": from_start(-timedelta(minutes=5)),
            "lat": 40.6712, "lon": -73.9002, "precinct": 75, "borough": "BROOKLYN",
            "victims": 1, "location": "PITKIN AVE & ROCKAWAY AVE", "source": "nypd-patrol"}
# Sample sites: the point is in man-up-eny's polygon and bivo-brownsville's circle.
PAGED = {"+12125550175", "+12125550177", "+12125550178", "+12125550173"}
CHANNELS = {"C075ENY", "C073BVL"}


async def post(client, body=INCIDENT):
    response = await client.post("/api/incidents", json=body, headers=AUTH)
    assert response.status == 202, await response.text()
    return await response.json()


async def shown(client, incident_id=INCIDENT["id"]):
    return await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()


async def test_each_on_shift_member_gets_one_sms_and_each_team_channel_one_post(
        client, work, twilio, slack, live_settings):
    body = await post(client)
    assert body["teams"] == ["bivo-brownsville", "man-up-eny"]
    await work()
    assert sorted(m.to for m in twilio.messages) == sorted(PAGED)
    assert all(m.from_ == STAFF_FROM for m in twilio.messages)
    assert all(m.status_callback == f"{live_settings.public_url}/twilio/status"
               for m in twilio.messages)
    ray = twilio.sent_to("+12125550175")[0]
    assert ray.body.startswith("CMS ALERT #1: Shooting, 1 victim\nPITKIN AVE & ROCKAWAY AVE")
    assert ray.body.endswith("Reply 1A ack, 1S on scene, 1N note")
    assert {post["channel"] for post in slack.posts} == CHANNELS
    assert len(slack.posts) == 2
    eny = next(post for post in slack.posts if post["channel"] == "C075ENY")
    assert "Man Up! (East New York)" in str(eny["blocks"])
    assert eny["metadata"]["event_payload"]["incident_id"] == INCIDENT["id"]
    statuses = {d["recipient"]: d["status"] for d in (await shown(client))["deliveries"]}
    assert set(statuses.values()) == {"sent"}


async def test_the_same_incident_twice_sends_nothing_more(client, work, twilio, slack):
    await post(client)
    await work()
    again = await post(client)
    assert again["duplicate"] is True
    await work()
    assert len(twilio.messages) == len(PAGED) and len(slack.posts) == 2


async def test_a_send_job_enqueued_again_after_success_sends_nothing(client, work, twilio,
                                                                     live_settings):
    await post(client)
    await work()
    keys = [d["key"] for d in (await shown(client))["deliveries"]]
    assert enqueue_sends(connect(live_settings.redis_url), keys) == len(keys)
    await work()
    assert len(twilio.messages) == len(PAGED)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_a_provider_error_is_retried_and_nothing_is_sent_twice(client, work, twilio, status):
    twilio.fail_next(2, status=status, retry_after=0 if status == 429 else None)
    await post(client)
    await work()
    assert sorted(m.to for m in twilio.messages) == sorted(PAGED)
    deliveries_shown = (await shown(client))["deliveries"]
    assert {d["status"] for d in deliveries_shown} == {"sent"}
    assert sum(d["attempts"] for d in deliveries_shown if d["channel"] == "sms") == len(PAGED) + 2


async def test_a_lost_response_is_resolved_with_twilio_instead_of_sending_again(client, work,
                                                                               twilio):
    twilio.hang_next(1, seconds=5, accept=True)  # Twilio takes it; our 2 s timeout fires first
    await post(client)
    await work()
    assert sorted(m.to for m in twilio.messages) == sorted(PAGED)
    lists = [r for r in twilio.requests if r.method == "GET"]
    assert len(lists) == 1  # the doubtful send was checked once, and found


async def test_a_permanent_error_is_recorded_and_not_retried(client, work, twilio):
    twilio.fail_number("+12125550175", 21610)  # Ray replied STOP to the staff number
    await post(client)
    await work()
    alerted = {m.to for m in twilio.messages if m.body.startswith("CMS ALERT")}
    assert alerted == PAGED - {"+12125550175"}
    # Ray's alert never reached him: his supervisor (Lee Park) is told at once.
    assert [m.body[:20] for m in twilio.sent_to("+12125550176")] == ["CMS ESCALATION #1: n"]
    creates_for_ray = [r for r in twilio.requests
                       if r.method == "POST" and r.form.get("To") == "+12125550175"]
    assert len(creates_for_ray) == 1
    ray = next(d for d in (await shown(client))["deliveries"] if d["recipient"] == "***0175")
    assert (ray["status"], ray["error_code"]) == ("failed", "21610")


async def test_slack_down_does_not_hold_back_sms_and_posts_catch_up(
        aiohttp_client, live_settings, port, run_worker, twilio, slack, clock, sample_sites):
    patient = replace(live_settings, retry_backoff=(30,))
    client = await aiohttp_client(create_app(patient, sites=sample_sites, clock=clock),
                                  server_kwargs={"port": port})
    slack.down()
    await post(client)
    await run_worker(patient, clock)
    assert sorted(m.to for m in twilio.messages) == sorted(PAGED)
    assert slack.posts == []
    waiting = {job: at for job, at in clock.scheduled().items() if job.startswith("send-")}
    assert len(waiting) == 2  # the two posts wait for their next attempt, 30 s out
    assert all(timedelta(seconds=20) < at - datetime.now(UTC) <= timedelta(seconds=30)
               for at in waiting.values())
    slack.up()
    clock.advance(timedelta(seconds=31))
    await run_worker(patient, clock)
    assert {post["channel"] for post in slack.posts} == CHANNELS and len(slack.posts) == 2
    assert len(twilio.messages) == len(PAGED)


async def test_a_claim_left_by_a_dead_worker_is_resolved_before_sending(client, work, twilio,
                                                                        live_settings, clock):
    await post(client)
    keys = {d["recipient"]: d["key"] for d in (await shown(client))["deliveries"]}
    # Ray's worker died after Twilio took the message; Tasha's died before calling Twilio.
    engine = open_engine(live_settings.sqlalchemy_url, pooled=False)
    long_ago = clock.now - timedelta(minutes=5)
    async with engine.begin() as conn:
        row = (await conn.execute(deliveries.select().where(
            deliveries.c.key == keys["***0175"]))).one()
        await conn.execute(update(deliveries).where(deliveries.c.key.in_(
            [keys["***0175"], keys["***0173"]])).values(status="sending", claimed_at=long_ago,
                                                         attempts=1))
    await engine.dispose()
    sdk = Client(ACCOUNT, TWILIO_TOKEN)
    sdk.api.base_url = twilio.url
    await asyncio.to_thread(sdk.messages.create, to=row.recipient, from_=STAFF_FROM, body=row.body)
    await work()
    assert len(twilio.sent_to("+12125550175")) == 1
    assert len(twilio.sent_to("+12125550173")) == 1
    assert sorted(m.to for m in twilio.messages) == sorted(PAGED)


async def test_deliveries_survive_redis_being_away_at_ingest(aiohttp_client, live_settings, work,
                                                             twilio, slack, clock, sample_sites):
    unreachable = replace(live_settings, redis_url="redis://127.0.0.1:1/0")
    client = await aiohttp_client(create_app(unreachable, sites=sample_sites, clock=clock))
    assert (await post(client))["deliveries"] == 6
    assert twilio.messages == []
    clock.advance(timedelta(minutes=1))
    await work()  # the worker reconciles on start: pending deliveries get their jobs
    assert sorted(m.to for m in twilio.messages) == sorted(PAGED)
    assert len(slack.posts) == 2


async def test_status_callbacks_move_a_delivery_forward_and_forged_ones_are_refused(client, work,
                                                                                    twilio):
    await post(client)
    await work()
    ray = twilio.sent_to("+12125550175")[0]
    assert await twilio.deliver(ray.sid, "delivered") == 204
    statuses = {d["recipient"]: d["status"] for d in (await shown(client))["deliveries"]}
    assert statuses["***0175"] == "delivered"
    forged = await client.post("/twilio/status", data={"MessageSid": ray.sid,
                                                       "MessageStatus": "failed"},
                               headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status == 403
    missing = await client.post("/twilio/status", data={"MessageSid": ray.sid,
                                                        "MessageStatus": "failed"})
    assert missing.status == 403
    statuses = {d["recipient"]: d["status"] for d in (await shown(client))["deliveries"]}
    assert statuses["***0175"] == "delivered"
