"""A takedown reminder the playbook puts at night waits for the team's routine hours, and its
escalation never reaches a coordinator at night: through a real worker and the Twilio double."""

from dataclasses import replace
from datetime import time

import pytest

from alerts.playbooks import PlaybookStep
from bot.config.sites_file import LoadedSites, load_sites
from tests.clock import NEW_YORK
from tests.conftest import API_TOKEN, SAMPLE_SITES

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
RAY, LEE = "+12125550175", "+12125550176"  # a man-up-eny member and its supervisor
DANA = "+12125550100"  # a coordinator
LATE = PlaybookStep(0, time(23, 0), "team", "Takedown in {area} tonight: check on families.")


@pytest.fixture(scope="module")
def sample_sites() -> LoadedSites:
    """The sample sites, with a playbook whose only step is at 23:00 on the takedown's day."""
    loaded = load_sites(SAMPLE_SITES)
    return replace(loaded, sites=replace(loaded.sites, playbooks={"default": (LATE,)}))


def reminders(twilio, number):
    return [m for m in twilio.sent_to(number) if m.body.startswith("CMS TAKEDOWN")]


def escalations(twilio, number):
    return [m for m in twilio.sent_to(number) if m.body.startswith("CMS ESCALATION")]


async def test_a_reminder_due_at_night_waits_for_the_opening_and_escalates_by_day(
        client, work, twilio, clock):
    response = await client.post("/api/takedowns", headers=AUTH, json={
        "area": "man-up-eny", "date": "tomorrow", "created_by": "Dana Reyes"})
    assert response.status == 201, await response.text()
    assert [s["status"] for s in (await response.json())["steps"]] == ["scheduled"]
    for day, hour, minute in ((1, 23, 1), (2, 3, 0), (2, 9, 59)):  # Sunday night, Monday early
        clock.set_local(day, hour, minute)
        await work()
    assert reminders(twilio, RAY) == []
    clock.set_local(2, 10, 0)  # Monday's opening
    await work()
    sent = reminders(twilio, RAY)
    assert len(sent) == 1 and sent[0].date_created.astimezone(NEW_YORK).hour == 10
    assert "LATE" not in sent[0].body  # moved on purpose, not late
    clock.set_local(2, 12, 0)  # two hours on: the supervisor
    await work()
    assert len(escalations(twilio, LEE)) == 1 and escalations(twilio, DANA) == []
    for day, hour in ((2, 21), (3, 2), (3, 9)):  # Monday night: no coordinator paged
        clock.set_local(day, hour, 59 if hour == 9 else 0)
        await work()
    assert escalations(twilio, DANA) == []
    clock.set_local(3, 10, 0)  # Tuesday's opening: the coordinators
    await work()
    assert len(escalations(twilio, DANA)) == 1
