"""Staff answering by SMS, escalation and follow-ups, end to end: signed Twilio webhooks into the
app, a real rq worker with its scheduler on the real Redis, one clock that the tests move."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from tests.clock import NEW_YORK, from_start
from tests.conftest import API_TOKEN, STAFF_FROM

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
# In the sample sites, this point is in brag-mott-haven's catchment only.
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1}
LUIS, GRACE, VICTOR = "+13475550140", "+13475550141", "+13475550142"  # Victor: supervisor
DANA, SAM = "+12125550100", "+12125550101"  # coordinators
STRANGER = "+19175550199"


@pytest.fixture
def sms(twilio, port):
    """Text the staff number as someone would: a signed Twilio webhook; returns (status, reply)."""
    async def send(sender: str, body: str, sid: str | None = None, token: str | None = None):
        status, text = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", sender,
                                                 STAFF_FROM, body, message_sid=sid, auth_token=token)
        if status != 200:
            return status, None
        twiml = ElementTree.fromstring(text)  # noqa: S314 (our own app's answer, in a test)
        messages = [m.text for m in twiml.iter("Message")]
        return status, messages[0] if messages else None
    return send


async def alert(client, work, incident=BRONX):
    response = await client.post("/api/incidents", json=incident, headers=AUTH)
    assert response.status == 202, await response.text()
    await work()
    return await response.json()


async def timeline(client, incident_id="NYPD-1"):
    shown = await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()
    return [(e["actor"], e["action"]) for e in shown["timeline"]]


def bodies(twilio, number):
    return [m.body for m in twilio.sent_to(number)]


async def test_an_acknowledgement_by_text_stops_the_escalation_and_tells_the_others(
        client, work, twilio, sms, clock):
    await alert(client, work)
    assert bodies(twilio, LUIS)[0].startswith("CMS ALERT #1")
    status, reply = await sms(LUIS, "1a")
    assert status == 200 and reply.startswith("CMS: #1 acknowledged")
    await work()
    assert bodies(twilio, GRACE)[-1].startswith("CMS #1: Luis Feliz (Bronx Rises")
    assert "acknowledged at" in bodies(twilio, GRACE)[-1]
    clock.advance(timedelta(minutes=25))
    await work()
    assert twilio.sent_to(VICTOR) == [] and twilio.sent_to(DANA) == []
    assert ("Luis Feliz", "acknowledged") in await timeline(client)


async def test_unacknowledged_it_reaches_the_supervisor_then_the_coordinators_on_time(
        client, work, twilio, slack, sms, clock):
    await alert(client, work)
    clock.advance(timedelta(minutes=9, seconds=59))
    await work()
    assert twilio.sent_to(VICTOR) == []
    clock.advance(timedelta(seconds=2))
    await work()
    assert bodies(twilio, VICTOR) == [bodies(twilio, VICTOR)[0]]
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1: no ack after 10 min")
    assert twilio.sent_to(DANA) == []
    clock.advance(timedelta(minutes=10))
    await work()
    assert bodies(twilio, DANA)[0].startswith("CMS ESCALATION #1: no ack after 20 min")
    assert len(twilio.sent_to(SAM)) == 1
    assert any(post["channel"] == "C0CMSHQ" for post in slack.posts)
    events = await timeline(client)
    assert ("cmsbot", "escalated to supervisor") in events
    assert ("cmsbot", "escalated to coordinators") in events
    # The supervisor answers with the number their escalation carried.
    _, reply = await sms(VICTOR, "1A")
    assert reply.startswith("CMS: #1 acknowledged")


async def test_need_reaches_the_supervisor_and_coordinators_at_once(client, work, twilio, slack,
                                                                   sms):
    await alert(client, work)
    _, reply = await sms(LUIS, "NEED 1 crowd growing, need a second team")
    assert "sent to your supervisor and the coordinators" in reply
    await work()
    for person in (VICTOR, DANA, SAM):
        assert bodies(twilio, person)[0].startswith("CMS NEED SUPPORT #1: Luis Feliz")
        assert '"crowd growing, need a second team"' in bodies(twilio, person)[0]
    assert any("NEED SUPPORT" in str(post["blocks"]) for post in slack.posts
               if post["channel"] == "C0CMSHQ")
    assert ("Luis Feliz", "need support") in await timeline(client)


async def test_the_follow_up_goes_to_those_who_responded_at_the_next_opening(
        client, work, twilio, sms, clock):
    # A Saturday 23:15 shooting: its 24 h follow-up falls at Sunday 23:15, outside routine
    # hours (10:00-20:00 by default), so it goes out on Monday at 10:00.
    await alert(client, work)
    await sms(LUIS, "1S")  # on scene counts as a response (and as an acknowledgement)
    await sms(LUIS, "1K")
    clock.advance(timedelta(hours=24, minutes=5))
    await work()
    assert not any("FOLLOW-UP" in body for body in bodies(twilio, LUIS))
    clock.set_local(2, 10, 0)
    await work()
    checkin = [body for body in bodies(twilio, LUIS) if "FOLLOW-UP" in body]
    assert len(checkin) == 1 and checkin[0].startswith("CMS FOLLOW-UP #1 (24h)")
    assert not any("FOLLOW-UP" in body for body in bodies(twilio, GRACE))
    _, reply = await sms(LUIS, "1N family says things are calm")
    assert reply == "CMS: note added to #1."
    clock.advance(timedelta(hours=2, minutes=30))
    await work()
    assert not any("OVERDUE" in body for body in bodies(twilio, VICTOR))


def overdue(twilio, number):
    return [body for body in bodies(twilio, number) if body.startswith("CMS FOLLOW-UP OVERDUE")]


async def test_a_2am_shootings_follow_up_waits_for_10am_and_never_pages_coordinators_at_night(
        client, work, twilio, sms, clock):
    clock.set_local(1, 2, 0)  # Sunday 02:00
    night = {**BRONX, "id": "NYPD-2AM",
             "occurred_at": (clock() - timedelta(minutes=5)).astimezone(NEW_YORK).isoformat()}
    await alert(client, work, night)
    await sms(LUIS, "1A")  # the live alert is answered; its follow-up is not
    clock.set_local(2, 2, 1)  # Monday 02:01, 24 h on
    await work()
    assert not any("FOLLOW-UP" in body for body in bodies(twilio, LUIS))
    clock.set_local(2, 10, 0)
    await work()
    assert [b for b in bodies(twilio, LUIS) if b.startswith("CMS FOLLOW-UP #1 (24h)")]
    clock.set_local(2, 11, 59)
    await work()
    assert not overdue(twilio, VICTOR)
    clock.set_local(2, 12, 0)  # two hours after the check-in: the supervisor
    await work()
    assert len(overdue(twilio, VICTOR)) == 1
    assert not overdue(twilio, DANA) and not overdue(twilio, SAM)
    for hour in (21, 23):  # Monday night
        clock.set_local(2, hour, 0)
        await work()
    clock.set_local(3, 3, 0)
    await work()
    clock.set_local(3, 9, 59)
    await work()
    assert not overdue(twilio, DANA) and not overdue(twilio, SAM)
    clock.set_local(3, 10, 0)  # Tuesday's opening: the coordinators
    await work()
    assert len(overdue(twilio, DANA)) == 1 and len(overdue(twilio, SAM)) == 1
    # Every routine page any coordinator got went out inside routine hours.
    for number in (DANA, SAM):
        for message in twilio.sent_to(number):
            if "FOLLOW-UP" in message.body:
                assert 10 <= message.date_created.astimezone(NEW_YORK).hour < 20


async def test_a_shooting_at_3pm_gets_its_follow_up_at_3pm_the_next_day(client, work, twilio,
                                                                        sms, clock):
    clock.set_local(1, 15, 0)  # Sunday 15:00
    afternoon = {**BRONX, "id": "NYPD-3PM",
                 "occurred_at": (clock() - timedelta(minutes=5)).astimezone(NEW_YORK).isoformat()}
    await alert(client, work, afternoon)
    await sms(LUIS, "1A")
    clock.set_local(2, 14, 59)
    await work()
    assert not any("FOLLOW-UP" in body for body in bodies(twilio, LUIS))
    clock.set_local(2, 15, 0)
    await work()
    assert [b for b in bodies(twilio, LUIS) if b.startswith("CMS FOLLOW-UP #1 (24h)")]


async def test_a_member_on_scene_who_does_not_check_out_is_reported_to_the_supervisor(
        client, work, twilio, sms, clock):
    await alert(client, work)
    _, reply = await sms(LUIS, "1S")
    assert "Reply 1K when you leave (we check at 90 min)" in reply
    clock.advance(timedelta(minutes=91))
    await work()
    safety = [body for body in bodies(twilio, VICTOR) if body.startswith("CMS SAFETY")]
    assert len(safety) == 1 and "Luis Feliz on scene since" in safety[0]


async def test_checking_out_stops_the_safety_timer(client, work, twilio, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    _, reply = await sms(LUIS, "OK 1")
    assert reply == "CMS: #1 checked out. Glad you're safe."
    clock.advance(timedelta(minutes=91))
    await work()
    assert not any(body.startswith("CMS SAFETY") for body in bodies(twilio, VICTOR))


async def test_closing_frees_the_number_and_stops_everything(client, work, twilio, sms, clock):
    await alert(client, work)
    _, reply = await sms(LUIS, "1c mediated spoke with both families")
    assert reply == "CMS: #1 closed (mediated). Thank you."
    clock.advance(timedelta(hours=73))
    await work()
    assert twilio.sent_to(VICTOR) == []
    assert [b for b in bodies(twilio, LUIS) if "FOLLOW-UP" in b] == []
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert shown["status"] == "closed" and shown["outcome"] == "mediated"
    await alert(client, work, {**BRONX, "id": "NYPD-2"})
    assert bodies(twilio, LUIS)[-1].startswith("CMS ALERT #1")  # #1 is free again


async def test_without_a_number_one_open_alert_is_enough_and_several_get_a_question(
        client, work, sms):
    await alert(client, work)
    _, reply = await sms(GRACE, "A")
    assert reply.startswith("CMS: #1 acknowledged")
    await alert(client, work, {**BRONX, "id": "NYPD-2"})
    _, reply = await sms(LUIS, "S")
    assert reply == "CMS: you have 2 open alerts. Which one? Reply 2S, 1S."
    _, reply = await sms(LUIS, "STATUS")
    assert reply.startswith("CMS open alerts (2):\n#2 new E 138 ST & WILLIS AVE")
    _, reply = await sms(LUIS, "7A")
    assert reply == "CMS: you have no open alert #7. Your open alerts: #2, #1."


async def test_a_forged_signature_changes_nothing(client, work, sms):
    await alert(client, work)
    status, _ = await sms(LUIS, "1A", token="not-the-auth-token")
    assert status == 403
    assert ("Luis Feliz", "acknowledged") not in await timeline(client)


async def test_a_duplicate_message_sid_is_acted_on_once(client, work, twilio, sms):
    await alert(client, work)
    first = await sms(LUIS, "1A", sid="SM" + "1" * 32)
    again = await sms(LUIS, "1A", sid="SM" + "1" * 32)
    assert first == again and first[1].startswith("CMS: #1 acknowledged")
    await work()
    assert (await timeline(client)).count(("Luis Feliz", "acknowledged")) == 1
    assert len([b for b in bodies(twilio, GRACE) if "acknowledged at" in b]) == 1


async def test_a_repeated_acknowledgement_gets_its_answer_and_redraws_nothing(client, work,
                                                                            twilio, slack, sms):
    await alert(client, work)
    _, reply = await sms(LUIS, "1A")
    assert reply.startswith("CMS: #1 acknowledged")
    await work()
    redraws = len(slack.calls_to("chat.update"))
    assert redraws >= 1 and "Luis Feliz: acknowledged" in str(slack.updates[-1]["blocks"])
    texted = len(twilio.messages)
    _, again = await sms(LUIS, "1A")
    assert again == "CMS: #1 was already acknowledged. Reply 1S when on scene."
    await work()
    assert len(slack.calls_to("chat.update")) == redraws  # nothing changed: no redraw
    assert len(twilio.messages) == texted  # and nobody is told twice
    assert (await timeline(client)).count(("Luis Feliz", "acknowledged")) == 1


async def test_a_stranger_learns_nothing_and_hears_from_us_once_an_hour(client, work, sms, clock):
    await alert(client, work)
    _, reply = await sms(STRANGER, "1A")
    assert reply.startswith("This number sends Crisis Management System alerts to registered staff")
    assert "WILLIS" not in reply
    assert (await sms(STRANGER, "STATUS"))[1] is None
    clock.advance(timedelta(minutes=61))
    assert (await sms(STRANGER, "what is this"))[1] is not None
    assert ("Luis Feliz", "acknowledged") not in await timeline(client)


async def test_unparseable_staff_texts_get_help_once_an_hour(client, work, sms):
    await alert(client, work)
    _, reply = await sms(LUIS, "on my way")
    assert reply.startswith("CMS: not understood") and "12A ack" in reply
    assert (await sms(LUIS, "??"))[1] is None
    assert "12A ack" in (await sms(LUIS, "HELP"))[1]  # asked for: always answered


async def test_an_opted_out_member_gets_nothing_and_their_alert_escalates_at_once(
        client, work, twilio, sms):
    status, reply = await sms(GRACE, "STOP")
    assert status == 200 and reply is None  # Twilio confirms opt-outs itself
    roster = await (await client.get("/api/roster?team=brag-mott-haven", headers=AUTH)).json()
    assert {m["name"]: m["opted_out"] for m in roster["members"]} == {
        "Luis Feliz": False, "Grace Kim": True, "Victor Adeyemi": False}
    assert {m["phone"] for m in roster["members"]} == {"***0140", "***0141", "***0142"}
    await alert(client, work)
    assert twilio.sent_to(GRACE) == []
    assert len(twilio.sent_to(LUIS)) == 1
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    grace = next(d for d in shown["deliveries"] if d["recipient"] == "***0141")
    assert (grace["status"], grace["error_code"]) == ("failed", "opted-out")
    # Her alert did not reach her: the supervisor hears now, not in ten minutes (he heard of
    # her STOP first).
    assert bodies(twilio, VICTOR)[0].startswith("CMS: Grace Kim (Bronx Rises")
    assert bodies(twilio, VICTOR)[1].startswith("CMS ESCALATION #1")
    await sms(GRACE, "START")
    await alert(client, work, {**BRONX, "id": "NYPD-2"})
    assert len(twilio.sent_to(GRACE)) == 1


async def test_an_undelivered_alert_escalates_at_once(client, work, twilio):
    await alert(client, work)
    luis = twilio.sent_to(LUIS)[0]
    assert await twilio.deliver(luis.sid, "undelivered", error_code=30003) == 204
    await work()
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1")
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert {d["recipient"]: d["status"] for d in shown["deliveries"]}["***0140"] == "undelivered"


async def test_a_shooting_near_an_open_one_is_marked_as_possible_retaliation(client, work, twilio,
                                                                            clock):
    await alert(client, work)
    clock.advance(timedelta(hours=5))
    near = {**BRONX, "id": "NYPD-2", "occurred_at": from_start(timedelta(hours=5, minutes=-5)),
            "lat": 40.8120}
    await alert(client, work, near)
    assert "POSSIBLE RETALIATION: 167 m, 5 h after another shooting" in bodies(twilio, LUIS)[-1]
    assert ("cmsbot", "possible retaliation") in await timeline(client, "NYPD-1")
    assert ("cmsbot", "possible retaliation") in await timeline(client, "NYPD-2")
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert shown["links"] == [{"incident": "NYPD-2", "distance_m": 166.8, "hours": 5.0}]


async def test_every_accepted_action_is_on_the_timeline_with_who_what_when_and_channel(
        client, work, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1A")
    clock.advance(timedelta(minutes=3))
    await sms(LUIS, "1N talked to the family")
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    entries = [(e["actor"], e["action"], e["channel"], e["team"], e["detail"])
               for e in shown["timeline"] if e["actor"] == "Luis Feliz"]
    assert entries == [("Luis Feliz", "acknowledged", "sms", "brag-mott-haven", "#1"),
                       ("Luis Feliz", "note", "sms", "brag-mott-haven", "talked to the family")]
    times = [e["at"] for e in shown["timeline"] if e["actor"] == "Luis Feliz"]
    assert times[1] > times[0]
    luis = next(p for p in shown["pages"] if p["name"] == "Luis Feliz")
    assert luis["acked_at"] is not None and luis["number"] == 1


async def test_a_roster_request_without_the_token_or_for_an_unknown_team_is_refused(client):
    assert (await client.get("/api/roster")).status == 401
    assert (await client.get("/api/roster?team=nope", headers=AUTH)).status == 404
