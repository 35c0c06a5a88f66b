"""No staff text falls silent, and a supervisor's CLEAR, end to end: signed Twilio webhooks, a
real rq worker, one clock that the tests move. A text cmsbot cannot read, from a member with
an alert open, reaches their supervisor every time; a member's STOP is told to their supervisor
and the coordinators; a supervisor who has reached a member on scene can end their timer."""

from datetime import timedelta

from tests.conftest import STAFF_FROM
from tests.test_responses import (
    DANA,
    GRACE,
    LUIS,
    SAM,
    STRANGER,
    VICTOR,
    alert,
    bodies,
    sms,
    timeline,
)

__all__ = ["sms"]  # the fixture, imported for these tests


def forwarded(twilio, number):
    return [body for body in bodies(twilio, number) if " texted about #" in body]


def stop_notices(twilio, number):
    return [body for body in bodies(twilio, number) if " texted STOP " in body]


def safety(twilio):
    return [body for body in bodies(twilio, VICTOR) if body.startswith("CMS SAFETY")]


# --- Unreadable texts -------------------------------------------------------------------------

async def test_an_unreadable_text_about_an_open_alert_reaches_the_supervisor_every_time(
        client, work, twilio, slack, sms):
    await alert(client, work)
    _, reply = await sms(LUIS, "on my way")
    assert reply.startswith("CMS: not understood") and "12A ack" in reply
    _, again = await sms(LUIS, "they have a gun, leaving now")
    assert again is None  # the help is sent once an hour...
    await work()
    told = forwarded(twilio, VICTOR)  # ...but every text reaches the supervisor
    assert len(told) == 2
    assert told[0].startswith("CMS: Luis Feliz (Bronx Rises Against Gun Violence (Mott Haven)) "
                              "texted about #1 E 138 ST & WILLIS AVE")
    assert "'on my way'" in told[0] and "'they have a gun, leaving now'" in told[1]
    assert forwarded(twilio, GRACE) == [] and forwarded(twilio, LUIS) == []
    assert forwarded(twilio, DANA) == []  # the team has a supervisor: the coordinators rest
    assert (await timeline(client)).count(("Luis Feliz", "texted")) == 2
    assert "they have a gun, leaving now" in str(slack.updates[-1]["blocks"])


async def test_an_unreadable_text_with_nothing_open_goes_to_nobody(client, work, twilio, sms,
                                                                   clock):
    _, reply = await sms(LUIS, "on my way")
    assert reply.startswith("CMS: not understood")
    await alert(client, work)
    clock.advance(timedelta(hours=13))  # an alert from last night, nobody on scene
    await sms(LUIS, "whats this about")
    await work()
    assert forwarded(twilio, VICTOR) == [] and forwarded(twilio, DANA) == []


async def test_a_supervisors_unreadable_text_goes_to_the_coordinators(client, work, twilio,
                                                                       sms, clock):
    await alert(client, work)
    clock.advance(timedelta(minutes=10, seconds=1))
    await work()
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1")
    await sms(VICTOR, "calling luis now")
    await work()
    assert forwarded(twilio, VICTOR) == []  # never their own text
    for coordinator in (DANA, SAM):
        told = forwarded(twilio, coordinator)
        assert len(told) == 1 and told[0].startswith("CMS: Victor Adeyemi (Bronx Rises")
        assert "'calling luis now'" in told[0]


# --- STOP -------------------------------------------------------------------------------------

async def test_a_members_stop_is_told_to_the_supervisor_and_coordinators_once(client, work,
                                                                               twilio, sms):
    sid = "SM" + "5" * 32
    assert (await sms(LUIS, "END", sid=sid))[1] is None  # Twilio confirms opt-outs itself
    assert (await sms(LUIS, "END", sid=sid))[1] is None  # Twilio retried the webhook
    await work()
    for person in (VICTOR, DANA, SAM):
        assert stop_notices(twilio, person) == [
            "CMS: Luis Feliz (Bronx Rises Against Gun Violence (Mott Haven)) texted STOP and "
            f"will get no CMS alerts.\nThey can text START to {STAFF_FROM} to receive alerts "
            "again."]
    assert stop_notices(twilio, GRACE) == [] and twilio.sent_to(LUIS) == []
    await sms(LUIS, "stop")  # said again: nothing new to tell
    await alert(client, work)
    assert twilio.sent_to(LUIS) == []  # and no alert reaches him
    assert len(stop_notices(twilio, VICTOR)) == 1
    await sms(LUIS, "START")
    await work()
    assert [b for b in bodies(twilio, VICTOR) if "texted START" in b] == [
        "CMS: Luis Feliz (Bronx Rises Against Gun Violence (Mott Haven)) texted START and will "
        "get CMS alerts again."]


async def test_a_strangers_stop_tells_nobody(client, work, twilio, sms):
    assert (await sms(STRANGER, "STOP"))[1] is None
    await work()
    assert twilio.messages == []


# --- CLEAR ------------------------------------------------------------------------------------

async def test_the_supervisors_clear_ends_the_members_timer(client, work, twilio, slack, sms,
                                                            clock):
    await alert(client, work)
    clock.advance(timedelta(minutes=10, seconds=1))
    await work()  # unacknowledged: Victor has the alert as his #1
    await sms(LUIS, "1S")
    _, reply = await sms(VICTOR, "CLEAR 1")
    assert reply == "CMS: #1: Luis Feliz checked out; they are told."
    await work()
    assert bodies(twilio, LUIS)[-1] == ("CMS: #1: Victor Adeyemi (your supervisor) checked you "
                                        "out; your safety timer is off.\nStay safe. If you are "
                                        "still on scene, reply 1S.")
    assert ("Victor Adeyemi", "cleared check-out") in await timeline(client)
    assert "Luis Feliz checked out by Victor Adeyemi" in str(slack.updates[-1]["blocks"])
    clock.advance(timedelta(minutes=91))
    await work()
    assert safety(twilio) == []  # the timer ended: nobody is told he never checked out
    _, again = await sms(VICTOR, "CLEAR 1 Luis")
    assert again == "CMS: #1: nobody you can clear is on scene with a timer running."


async def test_a_non_supervisors_clear_is_refused_and_the_timer_runs_on(client, work, twilio,
                                                                        sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    _, reply = await sms(GRACE, "CLEAR 1 Luis")
    assert reply == "CMS: only a supervisor or coordinator can CLEAR"
    _, own = await sms(LUIS, "CLEAR 1")  # nor can the member on scene: 1K is theirs
    assert own == "CMS: only a supervisor or coordinator can CLEAR"
    clock.advance(timedelta(minutes=91))
    await work()
    assert len(safety(twilio)) == 1 and "Luis Feliz on scene since" in safety(twilio)[0]


async def test_with_two_on_scene_clear_asks_whom_and_a_coordinator_may_clear(client, work,
                                                                             twilio, sms,
                                                                             clock):
    await alert(client, work)
    clock.advance(timedelta(minutes=20, seconds=1))
    await work()  # unacknowledged for 20 minutes: Victor and the coordinators have it as #1
    await sms(LUIS, "1S")
    await sms(GRACE, "1S")
    _, reply = await sms(VICTOR, "CLEAR 1")
    assert reply == ("CMS: #1: who? On scene: Grace Kim, Luis Feliz. "
                     "Reply CLEAR 1 Grace, say.")
    _, reply = await sms(VICTOR, "clear 1 grace")
    assert reply == "CMS: #1: Grace Kim checked out; they are told."
    _, reply = await sms(DANA, "CLEAR 1 Luis Feliz")
    assert reply == "CMS: #1: Luis Feliz checked out; they are told."
    await work()
    assert "Dana Reyes (coordinator) checked you out" in bodies(twilio, LUIS)[-1]
    assert "Victor Adeyemi (your supervisor) checked you out" in bodies(twilio, GRACE)[-1]
    clock.advance(timedelta(minutes=91))
    await work()
    assert safety(twilio) == []
