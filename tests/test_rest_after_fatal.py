"""Rest after a fatal response, end to end on SQLite and PostgreSQL: a member who texted "on
scene" to a fatal shooting is not paged for the next one in their catchment while a teammate
is, is paged when nobody else is on, and is paged again once the team's 12 hours are over."""

from dataclasses import replace
from datetime import timedelta

import pytest

from handlers import keys
from tests.clock import NEW_YORK
from tests.polling import eventually
from tests.test_responses import AUTH, BRONX, GRACE, LUIS, VICTOR, alert, bodies, sms  # noqa: F401
from tests.test_slack import cms  # noqa: F401 (the signed /cms of the Slack tests)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, settings):
    """Every test here on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return settings
    return replace(settings, database_url=request.getfixturevalue("postgres_url"))


def shooting(clock, incident_id: str, fatal: bool = False) -> dict[str, object]:
    """A shooting in Bronx Rises Against Gun Violence's catchment, a minute ago."""
    occurred = (clock() - timedelta(minutes=1)).astimezone(NEW_YORK).isoformat()
    return {**BRONX, "id": incident_id, "occurred_at": occurred, "fatal": fatal}


async def pages_of(client, incident_id: str) -> dict[str, str]:
    """Who the incident paged, by name, with the reason the API shows."""
    shown = await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()
    return {page["name"]: page["reason"] for page in shown["pages"]}


async def responded_on_scene(client, work, sms, clock, fatal: bool) -> None:  # noqa: F811
    await alert(client, work, shooting(clock, "NYPD-1", fatal=fatal))
    _, reply = await sms(LUIS, "1S")
    assert "on scene" in reply
    _, reply = await sms(LUIS, "1K")  # checked out safe: the rest goes on
    clock.advance(timedelta(hours=1))


async def test_on_scene_at_a_fatal_shooting_rests_a_member_until_the_twelve_hours_are_over(
        client, work, twilio, sms, cms, clock):  # noqa: F811
    await responded_on_scene(client, work, sms, clock, fatal=True)

    await alert(client, work, shooting(clock, "NYPD-2"))
    assert await pages_of(client, "NYPD-2") == {"Grace Kim": "on shift"}
    assert not any("#2" in body for body in bodies(twilio, LUIS))
    rest_ends = (clock() + timedelta(hours=11)).astimezone(NEW_YORK)
    assert f"Luis Feliz, interrupter, ***0140: on shift, resting after a fatal response until " \
        f"{rest_ends:%a %H:%M}" in await cms("roster brag-mott-haven")

    # Grace and the supervisor off: with nobody else on, Luis is paged after all.
    for phone in (GRACE, VICTOR):
        _, reply = await sms(phone, "OFF 2h")
        assert reply.startswith("CMS: you are OFF until ")
    await eventually(lambda: len(client.server.app[keys.SITES].sites.overrides) == 2,
                     "the web process reads the time off", within=5)
    await alert(client, work, shooting(clock, "NYPD-3"))
    assert await pages_of(client, "NYPD-3") == {
        "Luis Feliz": "resting after a fatal response, nobody else on"}
    assert any(body.startswith("CMS ALERT #2") for body in bodies(twilio, LUIS))

    # Twelve hours after his "on scene" (the time off long over), he is paged as before.
    clock.advance(timedelta(hours=11))
    await work()
    await alert(client, work, shooting(clock, "NYPD-4"))
    assert await pages_of(client, "NYPD-4") == {"Luis Feliz": "on shift", "Grace Kim": "on shift"}


async def test_on_scene_at_a_shooting_nobody_died_in_changes_nothing(
        client, work, sms, clock):  # noqa: F811
    await responded_on_scene(client, work, sms, clock, fatal=False)
    await alert(client, work, shooting(clock, "NYPD-2"))
    assert await pages_of(client, "NYPD-2") == {"Luis Feliz": "on shift", "Grace Kim": "on shift"}


async def test_a_shooting_reported_fatal_after_the_response_rests_the_responder(
        client, work, sms, clock):  # noqa: F811
    await responded_on_scene(client, work, sms, clock, fatal=False)
    response = await client.patch("/api/incidents/NYPD-1", json={"fatal": True}, headers=AUTH)
    assert response.status == 200, await response.text()
    await work()
    await alert(client, work, shooting(clock, "NYPD-2"))
    assert await pages_of(client, "NYPD-2") == {"Grace Kim": "on shift"}
