"""The ingest API as a feed uses it: tokens, validation, duplicates, and what GET shows."""

from datetime import UTC, datetime

import pytest

from bot.main.app import create_app
from tests.conftest import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
FIXED_NOW = datetime(2026, 7, 5, 3, 20, tzinfo=UTC)  # Saturday 23:20 in New York
INCIDENT = {"id": "NYPD-261234567", "occurred_at": "2026-07-04T23:15:00-04:00",
            "lat": 40.6712, "lon": -73.9002, "precinct": 75, "borough": "BROOKLYN",
            "fatal": False, "victims": 1, "location": "PITKIN AVE & ROCKAWAY AVE",
            "hospital": "Brookdale", "source": "nypd-patrol", "verified": True}


@pytest.fixture
async def client(aiohttp_client, settings, sample_sites):
    return await aiohttp_client(create_app(settings, sites=sample_sites, clock=lambda: FIXED_NOW))


async def test_an_incident_is_accepted_with_the_teams_it_alerts(client):
    response = await client.post("/api/incidents", json=INCIDENT, headers=AUTH)
    assert response.status == 202
    assert await response.json() == {"id": "NYPD-261234567", "status": "open",
                                      "teams": ["bivo-brownsville", "man-up-eny"],
                                      "deliveries": 6, "duplicate": False, "paged": True}


async def test_the_same_id_again_is_a_duplicate_and_changes_nothing(client):
    await client.post("/api/incidents", json=INCIDENT, headers=AUTH)
    again = await client.post("/api/incidents", json=INCIDENT, headers=AUTH)
    assert again.status == 202
    body = await again.json()
    assert body["duplicate"] is True and body["deliveries"] == 6 and "changed" not in body
    assert body["paged"] is False and body["reason"] == "duplicate"  # it paged the first time
    shown = await (await client.get(f"/api/incidents/{INCIDENT['id']}", headers=AUTH)).json()
    assert shown["victims"] == 1


async def test_the_same_id_with_a_new_count_is_an_update(client):
    await client.post("/api/incidents", json=INCIDENT, headers=AUTH)
    again = await client.post("/api/incidents", json={**INCIDENT, "victims": 3}, headers=AUTH)
    body = await again.json()
    assert again.status == 202 and body["duplicate"] is False and body["changed"] == ["victims"]
    shown = await (await client.get(f"/api/incidents/{INCIDENT['id']}", headers=AUTH)).json()
    assert shown["victims"] == 3


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {API_TOKEN}"}])
async def test_without_the_right_token_it_is_401(client, headers):
    response = await client.post("/api/incidents", json=INCIDENT, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await client.get(f"/api/incidents/{INCIDENT['id']}", headers=headers)).status == 401


@pytest.mark.parametrize(("body", "field"), [
    ({**INCIDENT, "lat": "north"}, "lat"),
    ({**INCIDENT, "occurred_at": "last night"}, "occurred_at"),
    ({key: value for key, value in INCIDENT.items() if key != "id"}, "id"),
    ({**INCIDENT, "lat": 0, "lon": 0, "precinct": None}, "lat"),
    ([1, 2, 3], "body"),
])
async def test_a_bad_field_is_a_400_that_names_it(client, body, field):
    response = await client.post("/api/incidents", json=body, headers=AUTH)
    assert response.status == 400
    assert (await response.json())["field"] == field


async def test_bad_json_is_a_400(client):
    response = await client.post("/api/incidents", data=b"{not json", headers=AUTH)
    assert response.status == 400
    assert (await response.json())["field"] == "body"


async def test_an_oversized_body_is_refused_before_it_is_read(client):
    response = await client.post("/api/incidents", data=b"{" + b" " * 100_000 + b"}",
                                 headers={**AUTH, "Content-Type": "application/json"})
    assert response.status == 413


async def test_zero_coordinates_with_a_precinct_route_by_precinct(client):
    body = {**INCIDENT, "id": "NYPD-2", "lat": 0, "lon": 0, "precinct": 44, "hospital": None}
    response = await client.post("/api/incidents", json=body, headers=AUTH)
    assert response.status == 202
    # The sample sites have no precinct geofences: precinct 44 goes to the coordinators.
    assert (await response.json())["teams"] == []
    shown = await (await client.get("/api/incidents/NYPD-2", headers=AUTH)).json()
    assert {d["recipient_name"] for d in shown["deliveries"] if d["channel"] == "sms"} == \
        {"Dana Reyes", "Sam Whitfield"}
    assert shown["unrouted"] is True


async def test_get_shows_teams_pages_deliveries_and_timeline_with_phones_redacted(client):
    await client.post("/api/incidents", json=INCIDENT, headers=AUTH)
    response = await client.get(f"/api/incidents/{INCIDENT['id']}", headers=AUTH)
    assert response.status == 200
    shown = await response.json()
    assert [t["team_id"] for t in shown["teams"]] == ["bivo-brownsville", "man-up-eny"]
    sms = [d for d in shown["deliveries"] if d["channel"] == "sms"]
    assert {d["recipient"] for d in sms} == {"***0173", "***0175", "***0177", "***0178"}
    assert all(d["status"] == "pending" for d in shown["deliveries"])
    assert {p["number"] for p in shown["pages"]} == {1}
    assert "+1212" not in await response.text()
    assert [e["action"] for e in shown["timeline"]] == ["received", "routed", "paged"]


async def test_an_unknown_incident_is_404(client):
    assert (await client.get("/api/incidents/nope", headers=AUTH)).status == 404


async def test_no_victims_and_an_unknown_count_are_stored_apart(client):
    missing = {key: value for key, value in INCIDENT.items() if key != "victims"}
    await client.post("/api/incidents", json={**INCIDENT, "victims": 0}, headers=AUTH)
    await client.post("/api/incidents", json={**missing, "id": "NYPD-2"}, headers=AUTH)
    none_hit = await (await client.get(f"/api/incidents/{INCIDENT['id']}", headers=AUTH)).json()
    unknown = await (await client.get("/api/incidents/NYPD-2", headers=AUTH)).json()
    assert none_hit["victims"] == 0
    assert unknown.get("victims") is None
