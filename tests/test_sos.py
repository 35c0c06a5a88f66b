"""SOS end to end: signed Twilio webhooks, a real rq worker placing real Calls API requests to
the Twilio double, one clock that the tests move. A member in danger texts SOS from anywhere:
their supervisor and the coordinators are texted and called at once, and it rings the next
coordinator every two minutes until someone acknowledges it."""

import json
from datetime import timedelta

from tests.doubles._twilio_calls import spoken
from tests.test_reports import TEAM, month, report_command
from tests.test_responses import DANA, GRACE, LUIS, SAM, VICTOR, alert, bodies, sms, timeline

__all__ = ["month", "sms"]  # the fixtures, imported for these tests

SENT = "CMS: SOS sent to your supervisor and the coordinators. Calling them now."


def sos_texts(twilio, number):
    return [body for body in bodies(twilio, number) if body.startswith("CMS SOS #")]


async def on_scene_then_out(client, work, sms):
    """Luis was on scene at NYPD-1 (E 138 ST & WILLIS AVE) and checked out."""
    await alert(client, work)
    await sms(LUIS, "1S")
    await sms(LUIS, "1K")


async def test_an_sos_texts_and_calls_the_supervisor_and_coordinators_at_once(
        client, work, twilio, slack, sms):
    await on_scene_then_out(client, work, sms)
    _, reply = await sms(LUIS, "SOS 2 guys following me on Willis")
    assert reply == SENT
    await work()
    for person in (VICTOR, DANA, SAM):
        (text,) = sos_texts(twilio, person)
        assert text.startswith("CMS SOS #1: Luis Feliz (Bronx Rises Against Gun Violence "
                               "(Mott Haven)) needs help now: '2 guys following me on Willis'")
        assert "Last on scene: E 138 ST & WILLIS AVE, Pct 40" in text
        assert text.endswith("Call them. Reply 1A to acknowledge")
        assert len(twilio.calls_to(person)) == 1
    assert sos_texts(twilio, LUIS) == [] and twilio.calls_to(LUIS) == []  # never his own
    assert sos_texts(twilio, GRACE) == [] and twilio.calls_to(GRACE) == []
    posts = {post["channel"]: str(post["blocks"]) for post in slack.posts if "SOS" in post["text"]}
    assert set(posts) == {"C040BRX", "C0CMSHQ"}
    assert all("Luis Feliz" in blocks and "2 guys following me" in blocks
               for blocks in posts.values())
    assert ("Luis Feliz", "SOS") in await timeline(client, "SOS-1")


async def test_pressing_1_on_the_supervisors_call_acknowledges_it_and_the_calls_stop(
        client, work, twilio, sms, clock):
    _, reply = await sms(LUIS, "SOS")  # nothing open, never on scene: it goes all the same
    assert reply == SENT
    await work()
    (call,) = twilio.calls_to(VICTOR)
    said = " ".join(spoken(await twilio.pick_up(call.sid)))
    assert "S O S. Luis Feliz of Bronx Rises" in said and "Press 1 to acknowledge" in said
    said = " ".join(spoken(await twilio.press(call.sid, "1")))
    assert "You have the S O S" in said
    await work()
    assert bodies(twilio, LUIS)[-1] == "CMS: Victor Adeyemi (supervisor) got your SOS."
    assert any("Victor Adeyemi" in body and "acknowledged" in body
               for body in bodies(twilio, DANA))
    clock.advance(timedelta(minutes=10))
    await work()
    assert len(twilio.calls_to(DANA)) == 1 and len(twilio.calls_to(SAM)) == 1
    assert ("Victor Adeyemi", "acknowledged") in await timeline(client, "SOS-1")


async def test_unacknowledged_it_rings_the_next_coordinator_every_two_minutes_until_answered(
        client, work, twilio, sms, clock):
    await sms(LUIS, "SOS car circling the block")
    await work()
    clock.advance(timedelta(minutes=1, seconds=59))
    await work()
    assert len(twilio.calls_to(DANA)) == 1  # not yet
    clock.advance(timedelta(seconds=2))
    await work()
    assert len(twilio.calls_to(DANA)) == 2 and len(twilio.calls_to(SAM)) == 1
    assert sos_texts(twilio, DANA)[-1].startswith("CMS SOS #1, no answer after 2 min: Luis")
    assert len(twilio.calls_to(VICTOR)) == 1  # the repeats go to the coordinators
    clock.advance(timedelta(minutes=2))
    await work()
    assert len(twilio.calls_to(SAM)) == 2 and len(twilio.calls_to(DANA)) == 2
    _, reply = await sms(SAM, "1A")
    assert reply == "CMS: SOS #1 is yours: they are told you got it. Call them now."
    clock.advance(timedelta(minutes=10))
    await work()
    assert len(twilio.calls_to(DANA)) == 2 and len(twilio.calls_to(SAM)) == 2
    assert bodies(twilio, LUIS)[-1] == "CMS: Sam Whitfield (coordinator) got your SOS."


async def test_an_sos_call_nobody_takes_rings_the_next_coordinator_at_once(
        client, work, twilio, sms):
    await sms(LUIS, "SOS car circling the block")
    await work()
    assert await twilio.hang_up(twilio.calls_to(VICTOR)[0].sid, "no-answer") == 204
    await work()  # at once, not two minutes on
    assert len(twilio.calls_to(DANA)) == 2
    assert ("cmsbot", "escalating now") in await timeline(client, "SOS-1")


async def test_a_bare_help_me_or_need_with_nothing_open_is_an_sos(client, work, twilio, sms):
    _, reply = await sms(LUIS, "help me")
    assert reply == SENT
    _, reply = await sms(GRACE, "NEED")
    assert reply == SENT
    await work()
    texts = sos_texts(twilio, VICTOR)
    assert len(texts) == 2
    assert "Luis Feliz" in texts[0] and "'help me'" in texts[0]
    assert "Grace Kim" in texts[1] and "'NEED'" in texts[1]


async def test_a_bare_help_is_an_sos_with_nothing_open_and_the_codes_with_an_alert(
        client, work, twilio, sms):
    _, reply = await sms(LUIS, "HELP")
    assert reply.startswith(SENT) and "12A ack" in reply  # the codes too, as HELP promises
    await alert(client, work)
    _, reply = await sms(GRACE, "HELP")
    assert reply.startswith("CMS codes")
    await work()
    assert len(sos_texts(twilio, VICTOR)) == 1


async def test_a_retried_webhook_raises_one_sos(client, work, twilio, sms):
    sid = "SM" + "7" * 32
    _, first = await sms(LUIS, "SOS gun", sid=sid)
    _, again = await sms(LUIS, "SOS gun", sid=sid)  # Twilio retried: the same answer
    assert first == again == SENT
    await work()
    assert len(sos_texts(twilio, VICTOR)) == 1 and len(twilio.calls_to(VICTOR)) == 1
    assert len(sos_texts(twilio, DANA)) == 1


async def test_an_sos_is_not_counted_as_a_shooting_in_the_report(client, work, twilio, sms,
                                                                 month, live_settings):
    await alert(client, work)
    await sms(LUIS, "1A")
    await sms(LUIS, "SOS crowd turning on us")
    await sms(VICTOR, "1A")
    await work()
    window = ("--since", month[0].isoformat(), "--until", month[1].isoformat())
    code, out, err = await report_command(live_settings, *window, "--format", "json")
    assert (code, err) == (0, "")
    (row,) = json.loads(out)
    assert (row["team"], row["incidents"]) == (TEAM, 1)
