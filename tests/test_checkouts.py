"""Check-outs that hold and "can't go", end to end: signed Twilio webhooks, a real rq worker,
one clock that the tests move. Only the member's own 12K ends their safety timer."""

from datetime import timedelta

from tests.test_responses import GRACE, LUIS, VICTOR, alert, bodies, sms, timeline

__all__ = ["sms"]  # the fixture, imported for these tests


def safety(twilio):
    return [body for body in bodies(twilio, VICTOR) if body.startswith("CMS SAFETY")]


async def test_a_bare_ok_asks_and_leaves_the_timer_running(client, work, twilio, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    _, reply = await sms(LUIS, "ok")
    assert reply == "CMS: Check out of #1? Reply 1K"
    clock.advance(timedelta(minutes=91))
    await work()
    assert len(safety(twilio)) == 1 and "Luis Feliz on scene since" in safety(twilio)[0]


async def test_a_bare_ok_without_a_timer_is_not_understood(client, work, sms):
    await alert(client, work)
    _, reply = await sms(LUIS, "ok")
    assert reply.startswith("CMS: not understood") and "12K" in reply


async def test_a_colleagues_close_leaves_the_timer_running_until_the_member_checks_out(
        client, work, twilio, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    _, reply = await sms(GRACE, "1C mediated")
    assert reply == "CMS: #1 closed (mediated). Thank you."
    clock.advance(timedelta(minutes=91))
    await work()
    assert len(safety(twilio)) == 1
    _, reply = await sms(LUIS, "1K")
    assert reply == "CMS: #1 checked out. Glad you're safe."
    await alert(client, work, {"id": "NYPD-2", "occurred_at": clock().isoformat(),
                               "lat": 40.8105, "lon": -73.9235})
    assert bodies(twilio, LUIS)[-1].startswith("CMS ALERT #1")  # #1 is free again


async def test_the_members_own_close_leaves_the_timer_and_12k_ends_it(client, work, twilio,
                                                                      sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    await sms(LUIS, "1C mediated")
    _, reply = await sms(LUIS, "1K")
    assert reply == "CMS: #1 checked out. Glad you're safe."
    clock.advance(timedelta(minutes=91))
    await work()
    assert safety(twilio) == []


async def test_extend_moves_the_check_out(client, work, twilio, sms, clock):
    await alert(client, work)
    await sms(LUIS, "1S")
    clock.advance(timedelta(minutes=80))
    _, reply = await sms(LUIS, "EXTEND 1 30")
    assert reply.startswith("CMS: #1: check-out now due at ") and "Reply 1K" in reply
    clock.advance(timedelta(minutes=11))  # the first check-out time has passed
    await work()
    assert safety(twilio) == []
    clock.advance(timedelta(minutes=30))
    await work()
    assert len(safety(twilio)) == 1
    assert ("Luis Feliz", "check-out extended") in await timeline(client)


async def test_cant_go_escalates_at_once_and_tells_the_others(client, work, twilio, sms):
    await alert(client, work)
    _, reply = await sms(LUIS, "1X")
    assert reply == "CMS: #1: noted, you can't go; escalating now, the others are told."
    await work()
    told = [b for b in bodies(twilio, GRACE) if "can't go" in b]
    assert len(told) == 1 and told[0].startswith("CMS #1: Luis Feliz (Bronx Rises")
    assert "Reply 1A if you can" in told[0]
    assert bodies(twilio, VICTOR)[0].startswith("CMS ESCALATION #1")  # now, not in ten minutes
    assert ("Luis Feliz", "can't go") in await timeline(client)
    _, again = await sms(LUIS, "CANT 1")
    assert again == "CMS: #1: we already know you can't go."
