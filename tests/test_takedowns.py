"""Post-takedown plans end to end: steps on their days in city time, answered like alerts,
cancelled, moved, late but never lost or doubled, through a real worker and scheduler."""

import asyncio
from datetime import timedelta

import pytest
import redis

from tests.clock import NEW_YORK
from tests.conftest import API_TOKEN, STAFF_FROM

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
RAY, KEISHA, ANDRE, LEE = "+12125550175", "+12125550177", "+12125550178", "+12125550176"
TEAM = {RAY, KEISHA, ANDRE}  # man-up-eny's on-shift members on a Sunday evening


@pytest.fixture
async def plan(client, clock):
    """Make a plan through the API; the clock starts on a Saturday at 23:20 in New York."""
    async def make(area="man-up-eny", date="tomorrow", note="", **extra):
        response = await client.post("/api/takedowns", headers=AUTH, json={
            "area": area, "date": date, "note": note, "created_by": "Dana Reyes", **extra})
        assert response.status == 201, await response.text()
        return await response.json()
    return make


async def shown(client, plan_id):
    return await (await client.get(f"/api/takedowns/{plan_id}", headers=AUTH)).json()


def reminders(twilio, number):
    return [m.body for m in twilio.sent_to(number) if m.body.startswith("CMS TAKEDOWN")]


async def until(clock, work, day: int, hour: int, minute: int = 1):
    """Move to `day` days after the start (a Saturday) at hour:minute New York time, then work."""
    clock.set_local(day, hour, minute)
    await work()


async def test_a_plan_sends_its_steps_on_their_days_in_city_time(client, work, twilio, slack,
                                                                   plan, clock):
    made = await plan(note="after the Linden Houses operation")
    assert made["id"] == "TD-1" and made["teams"] == ["man-up-eny"]
    assert [s["status"] for s in made["steps"]] == ["scheduled"] * 7
    await work()
    await until(clock, work, 1, 17, 59)  # Sunday 17:59: not yet
    assert reminders(twilio, RAY) == []
    await until(clock, work, 1, 18, 1)
    assert {m.to for m in twilio.messages if m.body.startswith("CMS TAKEDOWN")} == TEAM
    day0 = reminders(twilio, RAY)[0]
    assert day0.startswith("CMS TAKEDOWN #1 (day 0): Takedown in Man Up! (East New York) today.")
    assert day0.endswith("Reply 1A to confirm, 1N with a short report")
    assert any("takedown outreach" in str(p["blocks"]) for p in slack.posts
               if p["channel"] == "C075ENY")
    await until(clock, work, 2, 10, 1)  # Monday 10:01: day 1
    assert len(reminders(twilio, RAY)) == 2 and "(day 1): Day 1: canvass" in reminders(twilio, RAY)[1]
    steps = (await shown(client, "TD-1"))["steps"]
    assert [s["status"] for s in steps[:2]] == ["sent", "sent"]
    assert steps[2]["to"] == "residents" and steps[2]["status"] == "scheduled"  # due at 12:00


async def test_reminders_are_answered_by_text_and_reports_land_on_the_plan(client, work, twilio,
                                                                           plan, clock, port):
    await plan()
    await until(clock, work, 1, 18, 1)
    inbound = f"http://127.0.0.1:{port}/twilio/sms"
    _, confirmed = await twilio.send_inbound(inbound, RAY, STAFF_FROM, "1A")
    assert "#1 confirmed" in confirmed
    _, done = await twilio.send_inbound(inbound, RAY, STAFF_FROM, "1N visited 4 families")
    assert "this reminder is done" in done
    timeline = (await shown(client, "TD-1"))["timeline"]
    assert {"actor": "Ray Ortiz", "action": "note", "detail": "visited 4 families",
            "team": "man-up-eny"} in [{k: e[k] for k in ("actor", "action", "detail", "team")}
                                      for e in timeline]
    clock.advance(timedelta(minutes=30))
    await work()
    assert twilio.sent_to(LEE) == []  # confirmed: no escalation


async def test_an_unanswered_reminder_escalates_on_the_routine_policy(client, work, twilio, plan,
                                                                      clock):
    await plan()
    await until(clock, work, 1, 18, 1)  # Sunday 18:01: day 0 goes out
    await until(clock, work, 1, 19, 59)
    assert twilio.sent_to(LEE) == []  # no 10-minute escalation for a routine reminder
    await until(clock, work, 1, 23, 0)  # two hours on is after 20:00: not at night either
    assert twilio.sent_to(LEE) == []
    await until(clock, work, 2, 9, 59)
    assert twilio.sent_to(LEE) == []
    await until(clock, work, 2, 10, 1)  # the step moved to Monday's opening: the supervisor
    told = twilio.sent_to(LEE)
    assert len(told) == 1 and told[0].body.startswith("CMS ESCALATION #")
    assert told[0].date_created.astimezone(NEW_YORK).hour == 10


@pytest.mark.parametrize("reference", ["TD-99", "TD-\u00b2", "TD-" + "9" * 5000, "plan"])
async def test_a_takedown_that_does_not_exist_is_a_404_whatever_its_id_looks_like(client, reference):
    for method in ("GET", "POST"):
        path = f"/api/takedowns/{reference}" + ("/cancel" if method == "POST" else "")
        response = await client.request(method, path, headers=AUTH)
        assert response.status == 404
        assert "takedown" in (await response.json())["error"]


async def test_cancel_stops_the_rest(client, work, twilio, plan, clock):
    await plan()
    await until(clock, work, 1, 18, 1)
    response = await client.post("/api/takedowns/TD-1/cancel", headers=AUTH)
    assert (await response.json())["status"] == "cancelled"
    await until(clock, work, 40, 12)
    assert len(reminders(twilio, RAY)) == 1
    assert twilio.sent_to(LEE) == []  # the open reminder stopped escalating too


async def test_a_flushed_redis_in_the_middle_of_a_plan_loses_no_step(client, work, twilio, plan,
                                                                      clock, settings):
    await plan()
    await until(clock, work, 1, 18, 1)
    redis.Redis.from_url(settings.redis_url).flushdb()  # every job and schedule gone
    await until(clock, work, 2, 10, 1)
    assert len(reminders(twilio, RAY)) == 2
    await until(clock, work, 4, 10, 1)
    assert len(reminders(twilio, RAY)) == 3


async def test_a_step_due_while_no_worker_ran_goes_out_late_once(client, work, twilio, plan,
                                                                 clock):
    await plan()
    await until(clock, work, 1, 18, 1)
    # Nobody runs a worker from Monday morning to Tuesday noon.
    clock.advance(timedelta(days=1, hours=18))
    await work()
    day1 = [b for b in reminders(twilio, RAY) if "(day 1)" in b]
    assert len(day1) == 1 and day1[0].startswith("CMS TAKEDOWN #1 (day 1) LATE:")
    steps = (await shown(client, "TD-1"))["steps"]
    assert steps[1]["late"] is True and steps[1]["status"] == "sent"
    await work()
    assert len([b for b in reminders(twilio, RAY) if "(day 1)" in b]) == 1


async def test_two_workers_never_send_a_step_twice(client, run_worker, live_settings, twilio,
                                                   plan, clock):
    await plan()
    clock.set_local(1, 18, 1)
    await asyncio.gather(run_worker(live_settings, clock), run_worker(live_settings, clock))
    assert sorted(m.to for m in twilio.messages if m.body.startswith("CMS TAKEDOWN")) == \
        sorted(TEAM)


async def test_past_steps_are_listed_and_sent_only_when_confirmed(client, work, twilio, plan,
                                                                  clock):
    made = await plan(date="yesterday")  # Friday: day 0, day 1 and the residents step are past
    past = [s for s in made["steps"] if s["status"] == "past"]
    assert len(past) == 3
    await work()
    assert reminders(twilio, RAY) == []
    response = await client.post("/api/takedowns/TD-1/confirm", headers=AUTH)
    assert response.status == 200
    await work()
    sent = reminders(twilio, RAY)
    assert len(sent) == 2 and all(" LATE:" in body for body in sent)


async def test_moving_the_date_reschedules_the_steps(client, work, twilio, plan, clock):
    await plan()
    unclear = await client.patch("/api/takedowns/TD-1", headers=AUTH, json={"date": "3 days"})
    assert unclear.status == 400 and "not a date" in (await unclear.json())["error"]
    target = (clock.start.astimezone(NEW_YORK) + timedelta(days=3)).date().isoformat()
    response = await client.patch("/api/takedowns/TD-1", headers=AUTH, json={"date": target})
    assert response.status == 200
    await work()
    await until(clock, work, 1, 18, 1)  # the old day 0
    assert reminders(twilio, RAY) == []
    await until(clock, work, 3, 18, 1)  # the new day 0
    assert len(reminders(twilio, RAY)) == 1


async def test_bad_plans_are_refused_with_the_field(client):
    for body, field in (({"date": "today"}, "area"), ({"area": "man-up-eny"}, "date"),
                        ({"area": "nowhere", "date": "today"}, "area"),
                        ({"area": "man-up-eny", "date": "2020-01-01"}, "date"),
                        ({"area": "man-up-eny", "date": "someday"}, "date")):
        response = await client.post("/api/takedowns", headers=AUTH, json=body)
        assert response.status == 400, body
        assert (await response.json())["field"] == field
    assert (await client.post("/api/takedowns", json={"area": "x", "date": "today"})).status == 401
    assert (await client.get("/api/takedowns/TD-99", headers=AUTH)).status == 404
