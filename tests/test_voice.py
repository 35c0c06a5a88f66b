"""Calls that wake people, end to end: a real rq worker places them through the Twilio double's
Calls API, the double plays the phone (it fetches the TwiML from the app, presses keys, hangs
up) with signed webhooks, and one clock that the tests move."""

from datetime import timedelta

from tests.doubles._twilio_calls import spoken
from tests.test_responses import DANA as DANA_PHONE
from tests.test_responses import GRACE, LUIS, SAM, VICTOR, alert, bodies, sms, timeline

__all__ = ["sms"]  # the fixture, imported for these tests


async def ring(work, clock, after=timedelta(minutes=3, seconds=1)):
    clock.advance(after)
    await work()


def calls(twilio, number):
    return twilio.calls_to(number)


async def test_an_unacknowledged_alert_rings_at_three_minutes_and_not_before(
        client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock, timedelta(minutes=2, seconds=59))
    assert twilio.calls == []
    await ring(work, clock, timedelta(seconds=2))
    assert [len(calls(twilio, who)) for who in (LUIS, GRACE, VICTOR)] == [1, 1, 0]
    said = spoken(await twilio.pick_up(calls(twilio, LUIS)[0].sid))
    assert said[0].startswith("This is the Crisis Management System with alert number 1 for "
                              "Bronx Rises")
    assert "A shooting, 1 victim, near E 138 St & Willis Ave, precinct 40" in said[0]
    assert said[0].endswith("Press 1 to acknowledge, 2 if you are on scene, 3 if you can't go, "
                            "or 9 to hear this again.")
    assert ("cmsbot", "called: no acknowledgement") in await timeline(client)


async def test_an_alert_acknowledged_by_text_does_not_ring(client, work, twilio, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1A")
    await ring(work, clock)
    assert twilio.calls == []


async def test_key_1_acknowledges_and_stops_the_escalation(client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    call = calls(twilio, LUIS)[0]
    await twilio.pick_up(call.sid)
    assert spoken(await twilio.press(call.sid, "1")) == [
        "Acknowledged alert number 1. Thank you. Goodbye."]
    await work()
    assert bodies(twilio, GRACE)[-1].startswith("CMS #1: Luis Feliz (Bronx Rises")
    await ring(work, clock, timedelta(minutes=25))
    assert twilio.sent_to(VICTOR) == [] and twilio.sent_to(DANA_PHONE) == []
    assert ("Luis Feliz", "acknowledged") in await timeline(client)


async def test_key_2_puts_the_member_on_scene_with_a_safety_timer(client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    call = calls(twilio, GRACE)[0]
    await twilio.pick_up(call.sid)
    said = spoken(await twilio.press(call.sid, "2"))
    assert said[0].startswith("You are on scene for alert number 1. Text 1 K when you leave")
    await ring(work, clock, timedelta(minutes=91))
    assert any(b.startswith("CMS SAFETY #1: Grace Kim on scene") for b in bodies(twilio, VICTOR))


async def test_key_3_cant_go_escalates_at_once(client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    call = calls(twilio, LUIS)[0]
    await twilio.pick_up(call.sid)
    said = spoken(await twilio.press(call.sid, "3"))
    assert said == ["Your team is told you can't go to alert number 1. Goodbye."]
    await work()
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1")  # at 3 min, not 10
    assert any("Luis Feliz (Bronx Rises" in b and "can't go" in b for b in bodies(twilio, GRACE))


async def test_key_9_repeats_and_another_key_is_not_a_choice(client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    call = calls(twilio, LUIS)[0]
    first = spoken(await twilio.pick_up(call.sid))
    assert spoken(await twilio.press(call.sid, "9")) == first
    assert spoken(await twilio.press(call.sid, "7")) == [
        "Sorry, that key is not one of the choices. " + first[0]]
    # No key at all: the message once more, then goodbye, and the page stays unacknowledged.
    assert spoken(await twilio.wait_out(call.sid)) == [
        *first, "No key was pressed. Please check your texts. Goodbye."]


async def test_a_voicemail_gets_a_short_message_and_the_page_stays_unacknowledged(
        client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    said = spoken(await twilio.pick_up(calls(twilio, LUIS)[0].sid, answered_by="machine_end_beep"))
    assert said == ["This is the Crisis Management System for Bronx Rises Against Gun Violence "
                    "(Mott Haven). An alert is waiting for you. Please check your texts now."]
    assert ("Luis Feliz", "voicemail left") in await timeline(client)
    await ring(work, clock, timedelta(minutes=7))  # ten minutes after the alert
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1: no ack after 10 min")


async def test_a_busy_line_escalates_at_once(client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    assert await twilio.hang_up(calls(twilio, LUIS)[0].sid, "busy") == 204
    await work()
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1: no ack after 3 min")
    assert ("cmsbot", "escalating now") in await timeline(client)


async def test_an_answered_call_that_ends_moves_nothing_on(client, work, twilio, clock):
    await alert(client, work)
    await ring(work, clock)
    call = calls(twilio, LUIS)[0]
    await twilio.pick_up(call.sid)
    assert await twilio.hang_up(call.sid, "completed") == 204
    await work()
    assert twilio.sent_to(VICTOR) == []


async def test_a_lost_create_answer_is_resolved_with_the_calls_list_not_a_second_call(
        client, work, twilio, clock):
    await alert(client, work)
    twilio.hang_next(1, seconds=5, accept=True)  # Twilio places it; our 2 s timeout fires first
    await ring(work, clock)
    assert [len(calls(twilio, who)) for who in (LUIS, GRACE)] == [1, 1]
    listed = [r for r in twilio.requests if r.method == "GET" and r.path.endswith("/Calls.json")]
    assert len(listed) == 1  # the doubtful call was looked up once, and found


async def test_forged_or_replayed_voice_webhooks_change_nothing(client, work, twilio, clock,
                                                               port):
    await alert(client, work)
    await ring(work, clock)
    call = calls(twilio, LUIS)[0]
    gather = f"http://127.0.0.1:{port}/twilio/voice/gather?key=someone-elses"
    params = {"AccountSid": twilio.account_sid, "CallSid": call.sid, "CallStatus": "in-progress",
              "Digits": "1"}
    status, _ = await twilio._post_signed(gather, params, "not-the-auth-token")
    assert status == 403
    status, _ = await twilio._post_signed(
        f"http://127.0.0.1:{port}/twilio/voice/status",
        {"AccountSid": twilio.account_sid, "CallSid": call.sid, "CallStatus": "busy"}, "forged")
    assert status == 403
    await work()
    assert twilio.sent_to(VICTOR) == []
    assert ("Luis Feliz", "acknowledged") not in await timeline(client)


async def test_a_safety_timer_that_runs_out_texts_and_calls_the_supervisor_then_coordinators(
        client, work, twilio, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    await ring(work, clock, timedelta(minutes=91))
    assert [len(calls(twilio, who)) for who in (VICTOR, DANA_PHONE)] == [1, 0]
    said = spoken(await twilio.pick_up(calls(twilio, VICTOR)[0].sid))
    assert "Luis Feliz has been on scene at E 138 St & Willis Ave" in said[0]
    assert said[0].endswith("Press 1 if you are on it, or 9 to hear this again.")
    await twilio.press(calls(twilio, VICTOR)[0].sid, "1")
    assert ("Victor Adeyemi", "answered the call") in await timeline(client)
    await ring(work, clock, timedelta(minutes=15))
    assert [len(calls(twilio, who)) for who in (DANA_PHONE, SAM)] == [1, 1]
    assert any(b.startswith("CMS SAFETY #") for b in bodies(twilio, DANA_PHONE))
    # Luis checks out at last: nothing more is sent for his timer.
    await sms(LUIS, "1K")
    await ring(work, clock, timedelta(hours=2))
    assert [len(calls(twilio, who)) for who in (VICTOR, DANA_PHONE, SAM)] == [1, 1, 1]
