"""Incident types end to end: a team that takes only some types is paged only for those, and the
alert says what happened when it is not a plain shooting."""

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config.sites_file import LoadedSites
from bot.main.app import create_app
from tests.clock import from_start
from tests.conftest import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
# In the sample sites, this point is in man-up-eny's polygon and bivo-brownsville's circle.
BORDER = {"occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.6712, "lon": -73.9002, "precinct": 75,
          "location": "PITKIN AVE & ROCKAWAY AVE", "source": "nypd-patrol"}
RAY, TASHA = "+12125550175", "+12125550173"  # man-up-eny, bivo-brownsville
DANA = "+12125550100"  # a coordinator


@pytest.fixture
def typed_sites(sample_sites: LoadedSites) -> LoadedSites:
    """The sample sites with Brownsville taking shootings only, as its sites file could say."""
    teams = tuple(replace(team, types=("shooting",)) if team.id == "bivo-brownsville" else team
                  for team in sample_sites.sites.teams)
    return replace(sample_sites, sites=replace(sample_sites.sites, teams=teams))


@pytest.fixture
async def client(aiohttp_client, live_settings, port, clock, typed_sites):
    return await aiohttp_client(create_app(live_settings, sites=typed_sites, clock=clock),
                                server_kwargs={"port": port})


async def post(client, work, **fields):
    response = await client.post("/api/incidents", json={**BORDER, **fields}, headers=AUTH)
    assert response.status == 202, await response.text()
    await work()
    return await response.json()


async def test_shots_fired_pages_only_the_teams_that_take_it_and_the_sms_says_so(
        client, work, twilio, slack):
    answer = await post(client, work, id="NYPD-SF-1", type="shots-fired", victims=0)
    assert answer["teams"] == ["man-up-eny"]
    alert = twilio.sent_to(RAY)[0].body
    assert alert.startswith("CMS ALERT #1: Shots fired, no one hit\n")
    assert twilio.sent_to(TASHA) == []
    assert [p["channel"] for p in slack.posts] == ["C075ENY"]
    assert slack.posts[0]["text"].startswith("Shots fired, no one hit at PITKIN AVE")
    shown = await (await client.get("/api/incidents/NYPD-SF-1", headers=AUTH)).json()
    assert shown["type"] == "shots-fired"
    routed = next(e["detail"] for e in shown["timeline"] if e["action"] == "routed")
    assert routed.endswith("bivo-brownsville: takes no shots-fired")


async def test_a_shooting_at_the_same_place_pages_both_teams_as_before(client, work, twilio):
    answer = await post(client, work, id="NYPD-S-1", victims=1)
    assert answer["teams"] == ["bivo-brownsville", "man-up-eny"]
    assert twilio.sent_to(TASHA)[0].body.startswith("CMS ALERT #1: Shooting, 1 victim\n")


async def test_a_police_involved_shooting_is_named_in_the_alert(client, work, twilio):
    await post(client, work, id="NYPD-PI-1", type="police-involved", victims=1)
    assert twilio.sent_to(RAY)[0].body.startswith("CMS ALERT #1: Police-involved shooting, "
                                                   "1 victim\n")


async def test_a_type_no_team_there_takes_goes_to_the_coordinators(client, work, twilio):
    far = {"lat": 40.6635, "lon": -73.9180, "location": "LIVONIA AVE"}  # Brownsville's only
    answer = await post(client, work, id="NYPD-SF-2", type="shots-fired", **far)
    assert answer["teams"] == []
    assert twilio.sent_to(DANA)[0].body.startswith("CMS ALERT #1: Shots fired, no one hit")
    assert twilio.sent_to(TASHA) == []


async def test_an_unknown_type_is_a_400_naming_the_allowed_ones(client, twilio):
    response = await client.post("/api/incidents", headers=AUTH,
                                 json={**BORDER, "id": "NYPD-X", "type": "stabbing"})
    assert response.status == 400
    assert await response.json() == {
        "error": "type: unknown type 'stabbing'; expected one of shooting, shots-fired, "
                 "police-involved", "field": "type"}
    assert (await client.get("/api/incidents/NYPD-X", headers=AUTH)).status == 404
    assert twilio.messages == []
