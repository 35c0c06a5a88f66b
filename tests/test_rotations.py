"""Coordinators on a rotation, end to end: escalation reaches the coordinator on call first and
the others only if nobody answers; a turn is handed over from Slack; the incoming person is
texted once; `/cms oncall` shows who is on now and next.

Here Dana Reyes and Sam Whitfield take daily turns handed over at 09:00; on the tests' clock
(Saturday 23:20) it is Dana's. brag-mott-haven escalates to its supervisor at 10 minutes and to
the coordinators at 20.
"""

from dataclasses import replace
from datetime import timedelta

import pytest

from alerts.rotations import parse_rotation
from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import LoadedSites, load_sites
from handlers import keys
from tests.clock import NEW_YORK, next_saturday_night
from tests.handlers.test_dashboard import sign_in
from tests.handlers.test_dashboard_roster import shown
from tests.polling import eventually
from tests.test_calendars import feed, link_of
from tests.test_responses import DANA, SAM, alert, bodies, sms  # noqa: F401 (sms: a fixture)
from tests.test_slack import COORDINATOR, LUIS_SLACK, cms  # noqa: F401 (cms is a fixture)

SAM_SLACK = "U0COORD2"


@pytest.fixture(scope="module")
def sample_sites() -> LoadedSites:
    """The sample sites with the coordinators rotating daily, Dana's turn first (Saturday)."""
    loaded = load_sites(SAMPLE_SITES)
    saturday = next_saturday_night().astimezone(NEW_YORK).date()
    rotation = parse_rotation(["Dana Reyes", "Sam Whitfield"], "1d", "09:00", start=saturday)
    return replace(loaded, sites=replace(loaded.sites, rotations={"coordinators": rotation}))


@pytest.fixture
def live_settings(live_settings, any_settings):
    """The web process and the workers on SQLite and on PostgreSQL in turn."""
    return replace(live_settings, database_url=any_settings.database_url)


def escalations(twilio, number):
    return [b for b in bodies(twilio, number) if b.startswith("CMS ESCALATION")]


def handoffs(twilio, number):
    return [b for b in bodies(twilio, number) if "you are now on call" in b]


async def test_escalation_reaches_the_coordinator_on_call_then_the_rest(client, work, twilio,
                                                                        clock):
    await alert(client, work)
    clock.advance(timedelta(minutes=20, seconds=1))
    await work()
    assert len(escalations(twilio, DANA)) == 1 and escalations(twilio, SAM) == []
    clock.advance(timedelta(minutes=10))
    await work()
    assert escalations(twilio, SAM)[0].startswith("CMS ESCALATION #1: no ack after 30 min")
    assert len(escalations(twilio, DANA)) == 1  # she is not texted twice


async def test_the_coordinator_on_call_answering_keeps_the_others_asleep(client, work, twilio,
                                                                         sms, clock):  # noqa: F811
    await alert(client, work)
    clock.advance(timedelta(minutes=20, seconds=1))
    await work()
    _, reply = await sms(DANA, "1A")
    assert reply.startswith("CMS: #1 acknowledged")
    clock.advance(timedelta(hours=1))
    await work()
    assert escalations(twilio, SAM) == []


async def test_a_handover_from_slack_moves_the_next_escalation_and_tells_the_new_person(
        client, work, twilio, cms, clock):  # noqa: F811
    answer = await cms("cover coordinators Sam until 8am")
    assert answer.startswith("Done: Sam Whitfield is the coordinator on call until Sun")
    await work()
    told = handoffs(twilio, SAM)
    assert told == [told[0]] and "covering for Dana Reyes" in told[0]
    await work()
    assert len(handoffs(twilio, SAM)) == 1  # once per turn, however many checks run
    shown = await cms("oncall")
    assert "The coordinators on call: Sam Whitfield until Sun" in shown
    assert "covering for Dana Reyes; next Dana Reyes" in shown
    await alert(client, work)
    clock.advance(timedelta(minutes=20, seconds=1))
    await work()
    assert len(escalations(twilio, SAM)) == 1 and escalations(twilio, DANA) == []
    # At 8am the cover ends by itself: Dana is on call again, and told, for her turn's last hour.
    clock.advance(timedelta(hours=8, minutes=20))  # Sunday 08:00:01
    await work()
    sunday = clock().astimezone(NEW_YORK)
    assert handoffs(twilio, DANA) == [
        f"CMS: you are now on call for the coordinators until Sun {sunday:%b} {sunday.day} 09:00."
        " Escalations reach you first. /cms oncall shows the rota."]


async def test_only_coordinators_hand_over_their_turn(client, work, twilio, cms):  # noqa: F811
    answer = await cms("cover coordinators Sam until 8am", user=LUIS_SLACK)
    assert answer == "Only coordinators can hand over the coordinators' on-call turn."
    await work()
    assert handoffs(twilio, SAM) == []
    assert "No coordinator called 'Ray'" in await cms("cover coordinators Ray until 8am")


async def test_the_next_turn_begins_at_the_handoff_with_one_text(
        client, work, twilio, cms, clock):  # noqa: F811
    assert "The coordinators on call: Dana Reyes until Sun" in await cms("oncall", user=SAM_SLACK)
    clock.advance(timedelta(hours=9, minutes=39))  # Sunday 08:59
    await work()
    assert handoffs(twilio, SAM) == []
    clock.advance(timedelta(minutes=2))
    await work()
    await work()
    monday = clock().astimezone(NEW_YORK) + timedelta(days=1)
    assert handoffs(twilio, SAM) == [
        f"CMS: you are now on call for the coordinators until Mon {monday:%b} {monday.day} 09:00."
        " Escalations reach you first. /cms oncall shows the rota."]
    assert handoffs(twilio, DANA) == []
    assert "Sam Whitfield until Mon" in await cms("oncall", user=COORDINATOR)


async def test_a_coordinator_subscribes_to_their_on_call_turns(client, cms, clock):  # noqa: F811
    url, _, _ = await link_of(cms, SAM_SLACK)
    calendar = await feed(client, url)
    starts = [e.decoded("DTSTART") for e in calendar.events
              if str(e["SUMMARY"]) == "On call: the coordinators"]
    # Sam's turns are every other day at 09:00 in the city's time, the next from Sunday's.
    sunday = (clock().astimezone(NEW_YORK) + timedelta(days=1)).replace(hour=9, minute=0)
    assert sunday in starts
    following = [s for s in starts if s >= sunday][:3]
    assert [s - sunday for s in following] == [timedelta(0), timedelta(days=2),
                                               timedelta(days=4)]
    assert all(s.astimezone(NEW_YORK).hour == 9 for s in starts)


async def test_a_coordinator_texting_off_passes_the_turn_and_the_next_is_told(
        client, work, twilio, sms, cms, clock):  # noqa: F811
    _, reply = await sms(DANA, "OFF 3h")
    assert reply.startswith("CMS: you are OFF until ")
    await work()
    assert "CMS: Dana Reyes (coordinator) is OFF until" in bodies(twilio, SAM)[0]
    told = handoffs(twilio, SAM)
    assert told == [told[0]] and "covering for Dana Reyes" in told[0]
    await eventually(lambda: client.server.app[keys.SITES].sites.overrides,
                     "the web process reads the OFF", within=5)  # within its 0.2 s poll
    assert "The coordinators on call: Sam Whitfield until" in await cms("oncall")
    clock.advance(timedelta(minutes=40))
    _, reply = await sms(DANA, "ON")
    assert reply == "CMS: you are back ON: alerts reach you on your shifts again."
    await work()
    assert len(handoffs(twilio, DANA)) == 1  # her turn again, and she is told


async def test_the_dashboard_roster_shows_who_is_on_call_now_and_next(client, slack):
    await sign_in(client, slack, COORDINATOR)
    page = await shown(client)
    assert "On call The coordinators on call: Dana Reyes until Sun" in page
    assert "next Sam Whitfield (daily, handoff 09:00)" in page
