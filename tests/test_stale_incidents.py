"""Late and future incidents through the real HTTP stack and a real worker: an incident that
occurred more than CMSBOT_PAGE_WITHIN (12 h) before it arrives is stored and routed but pages
nobody, unless the feed asks (`"page": true`); one from the future is refused."""

from dataclasses import replace
from datetime import timedelta

from bot.main.app import create_app
from tests.conftest import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
# Sample sites: the point is in man-up-eny's polygon and bivo-brownsville's circle.
BROOKLYN = {"id": "NYPD-LATE", "lat": 40.6712, "lon": -73.9002, "precinct": 75,
            "location": "PITKIN AVE & ROCKAWAY AVE", "source": "nypd-patrol"}


def occurred(clock, before: timedelta) -> dict[str, object]:
    return {**BROOKLYN, "occurred_at": (clock.now - before).isoformat()}


async def shown(client, incident_id="NYPD-LATE"):
    return await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()


async def test_a_five_month_old_incident_is_stored_and_routed_but_pages_nobody(
        client, work, twilio, slack, clock):
    response = await client.post("/api/incidents", json=occurred(clock, timedelta(days=150)),
                                 headers=AUTH)
    assert response.status == 202
    body = await response.json()
    assert body["paged"] is False and body["reason"] == "stale"
    assert body["teams"] == ["bivo-brownsville", "man-up-eny"] and body["deliveries"] == 0
    await work()
    clock.advance(timedelta(hours=2))  # past every escalation step: none is due
    await work()
    assert twilio.messages == [] and slack.posts == []
    view = await shown(client)
    assert view["teams"] and view["pages"] == [] and view["deliveries"] == []
    details = [event["detail"] for event in view["timeline"]]
    assert "not paged: occurred 3600 h before it arrived" in details


async def test_just_past_the_window_is_stale_and_the_window_is_a_setting(
        aiohttp_client, live_settings, sample_sites, clock, work, twilio):
    app = create_app(replace(live_settings, page_within=timedelta(hours=1)), sites=sample_sites,
                     clock=clock)
    client = await aiohttp_client(app)
    response = await client.post("/api/incidents", json=occurred(clock, timedelta(hours=2)),
                                 headers=AUTH)
    assert (await response.json())["reason"] == "stale"
    await work()
    assert twilio.messages == []


async def test_page_true_pages_a_stale_incident_anyway(client, work, twilio, slack, clock):
    late = {**occurred(clock, timedelta(days=150)), "page": True}
    response = await client.post("/api/incidents", json=late, headers=AUTH)
    body = await response.json()
    assert response.status == 202 and body["paged"] is True and "reason" not in body
    await work()
    assert len(twilio.messages) == 4 and len(slack.posts) == 2


async def test_a_fresh_incident_pages_as_before(client, work, twilio, slack, clock):
    response = await client.post("/api/incidents", json=occurred(clock, timedelta(minutes=5)),
                                 headers=AUTH)
    body = await response.json()
    assert response.status == 202 and body["paged"] is True and body["deliveries"] == 6
    await work()
    assert len(twilio.messages) == 4 and len(slack.posts) == 2
    assert not any("not paged" in str(e["detail"]) for e in (await shown(client))["timeline"])


async def test_an_incident_from_the_future_is_a_400_that_says_so(client, twilio, clock):
    ahead = {**occurred(clock, -timedelta(hours=1)), "page": True}
    response = await client.post("/api/incidents", json=ahead, headers=AUTH)
    assert response.status == 400
    body = await response.json()
    assert body["field"] == "occurred_at" and "60 min in the future" in body["error"]
    assert (await client.get("/api/incidents/NYPD-LATE", headers=AUTH)).status == 404


async def test_page_must_be_true_or_false(client, clock):
    response = await client.post("/api/incidents", json={**occurred(clock, timedelta(0)),
                                                         "page": "yes"}, headers=AUTH)
    assert response.status == 400 and (await response.json())["field"] == "page"
