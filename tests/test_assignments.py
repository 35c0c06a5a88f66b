"""A coordinator adds a team to an incident or takes one off it, from Slack: `/cms assign` pages
the team as if the incident had been routed there, `/cms unassign` stops its escalation and
tells its people. Signed Slack requests, a real worker, the doubles, one clock."""

from datetime import timedelta

from tests.test_responses import GRACE, LUIS, VICTOR, alert, bodies, timeline
from tests.test_slack import cms

__all__ = ["cms"]  # the fixture, imported for these tests

ERICA, PAUL = "+17185550113", "+17185550114"  # LIFE Camp: interrupter, supervisor
LUIS_SLACK = "U0LUISFE"


async def test_an_assigned_team_is_paged_and_escalates_like_a_routed_one(client, work, twilio,
                                                                         slack, cms, clock):
    await alert(client, work)
    answer = await cms("assign NYPD-1 life-camp-jamaica")
    assert answer == "`NYPD-1`: life-camp-jamaica assigned, 1 paged."
    await work()
    assert bodies(twilio, ERICA)[0].startswith("CMS ALERT #1: Shooting, 1 victim")
    assert any(post["channel"] == "C113JAM" for post in slack.posts)
    assert ("Dana Reyes", "assigned") in await timeline(client)
    clock.advance(timedelta(minutes=10, seconds=1))
    await work()
    assert bodies(twilio, PAUL)[0].startswith("CMS ESCALATION #1")
    assert "already on it" in await cms("assign NYPD-1 life-camp-jamaica")


async def test_an_unassigned_team_is_told_and_its_escalation_stops(client, work, twilio, cms,
                                                                   clock):
    await alert(client, work)
    answer = await cms("unassign NYPD-1 brag-mott-haven")
    assert answer == "`NYPD-1`: brag-mott-haven released, 2 told."
    await work()
    for member in (LUIS, GRACE):
        assert bodies(twilio, member)[-1] == ("CMS #1: Dana Reyes took your team off this "
                                              "incident; no need to go")
    clock.advance(timedelta(minutes=25))
    await work()
    assert twilio.sent_to(VICTOR) == []
    assert ("Dana Reyes", "unassigned") in await timeline(client)
    assert "is not working this incident" in await cms("unassign NYPD-1 brag-mott-haven")


async def test_only_coordinators_assign_and_a_team_must_exist(client, work, twilio, cms):
    await alert(client, work)
    assert await cms("assign NYPD-1 life-camp-jamaica", user=LUIS_SLACK) == (
        "Only coordinators can assign and unassign teams.")
    answer = await cms("assign NYPD-1 nobody-team")
    assert "no team 'nobody-team'; teams: man-up-eny" in answer
    assert "Usage: `/cms assign ID TEAM`" in await cms("assign NYPD-1")
    await work()
    assert twilio.sent_to(ERICA) == []
