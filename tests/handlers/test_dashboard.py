"""The dashboard over HTTP: sign-in links from `/cms dashboard`, the session cookie, who sees
which incidents, and refusals without a session. The real browser test is test_dashboard_browser."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from shapely.geometry import Point
from shapely.geometry import shape as geojson_shape

from bot.main.app import create_app
from bot.services.sessions import COOKIE
from tests.conftest import API_TOKEN
from tests.slack_requests import signed_headers

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
COORDINATOR, RAY, LUIS, STRANGER = "U0COORD1", "U0RAYORT", "U0LUISFE", "U0NOBODY"
BRONX = {"id": "NYPD-BX1", "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE"}
BROOKLYN = {"id": "NYPD-BK1", "lat": 40.6712,
            "lon": -73.9002, "precinct": 75, "location": "PITKIN AVE & ROCKAWAY AVE",
            "fatal": True}


async def slash(client, slack, text: str, user: str) -> str:
    """Type `/cms text` in Slack as `user`; the ephemeral answer."""
    body = urlencode({"command": "/cms", "text": text, "user_id": user, "team_id": "T0CMS",
                      "channel_id": "C0CMSHQ", "trigger_id": f"t-{user}-{len(slack.responses)}",
                      "response_url": slack.response_url(f"r{len(slack.responses)}")})
    before = len(slack.responses)
    assert (await client.post("/slack/events", data=body, headers=signed_headers(body))).status == 200
    return (await slack.wait_for_response(before + 1))[-1].body["text"]


async def link_for(client, slack, user: str) -> str:
    """The path of the sign-in link `/cms dashboard` gives `user`."""
    answer = await slash(client, slack, "dashboard", user)
    found = re.search(r"<http://127\.0\.0\.1:\d+(/signin/[\w-]+)\|", answer)
    assert found, answer
    return found.group(1)


async def sign_in(client, slack, user: str) -> str:
    """Open the link, press Sign in: the client now holds the session cookie (returned too)."""
    path = await link_for(client, slack, user)
    token = path.rsplit("/", 1)[1]
    response = await client.post("/signin", data={"token": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/"
    return response.cookies[COOKIE].value


async def seed(client, clock) -> None:
    """A Bronx shooting and a fatal Brooklyn one, ten minutes ago."""
    for incident in (BRONX, BROOKLYN):
        moment = (clock.now - timedelta(minutes=10)).isoformat()
        response = await client.post("/api/incidents", json={**incident, "occurred_at": moment},
                                     headers=AUTH)
        assert response.status == 202


async def test_the_link_is_for_people_on_the_roster_only(client, slack):
    assert "/signin/" in await slash(client, slack, "dashboard", COORDINATOR)
    answer = await slash(client, slack, "dashboard", STRANGER)
    assert "not on the CMS roster" in answer and "/signin/" not in answer


async def test_opening_the_link_does_not_use_it_and_pressing_sign_in_does_once(client, slack):
    path = await link_for(client, slack, COORDINATOR)
    for _ in range(2):  # a link preview fetching the page leaves the link working
        opened = await client.get(path)
        assert opened.status == 200
        # No Referer carries the token; the button's post still carries the page's Origin.
        assert opened.headers["Referrer-Policy"] == "strict-origin"
        assert "Signing in as <strong>Dana Reyes</strong>" in await opened.text()
    token = path.rsplit("/", 1)[1]
    first = await client.post("/signin", data={"token": token}, allow_redirects=False)
    assert first.status == 303
    cookie = first.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    again = await client.post("/signin", data={"token": token}, allow_redirects=False)
    assert again.status == 400 and "used or has expired" in await again.text()
    assert (await client.get(path)).status == 400


async def test_a_link_older_than_ten_minutes_does_not_sign_in(client, slack, clock):
    path = await link_for(client, slack, COORDINATOR)
    clock.advance(timedelta(minutes=10, seconds=1))
    response = await client.post("/signin", data={"token": path.rsplit("/", 1)[1]},
                                 allow_redirects=False)
    assert response.status == 400
    assert COOKIE not in response.cookies


async def test_without_a_session_pages_send_you_to_sign_in_and_data_is_refused(client):
    for path in ("/", "/reports"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/signin"
    assert "/cms dashboard" in await (await client.get("/signin")).text()
    for path in ("/dashboard/api/map", "/dashboard/api/changes", "/dashboard/api/incidents/X"):
        response = await client.get(path)
        assert response.status == 401
        assert "/cms dashboard" in (await response.json())["error"]


@pytest.mark.parametrize("cookie", ["", "garbage", "eyJ1IjoiVTBDT09SRDEifQ.forged-signature"])
async def test_a_forged_cookie_is_no_session(client, cookie):
    response = await client.get("/dashboard/api/map", cookies={COOKIE: cookie})
    assert response.status == 401


async def test_a_session_ends_after_twelve_hours(client, slack, clock):
    await sign_in(client, slack, COORDINATOR)
    assert (await client.get("/dashboard/api/changes")).status == 200
    clock.advance(timedelta(hours=12, minutes=1))
    assert (await client.get("/dashboard/api/changes")).status == 401


async def test_a_coordinator_sees_every_incident_and_every_catchment(client, slack, clock):
    await seed(client, clock)
    await sign_in(client, slack, COORDINATOR)
    data = await (await client.get("/dashboard/api/map?range=24h")).json()
    assert {i["id"] for i in data["incidents"]} == {"NYPD-BX1", "NYPD-BK1"}
    assert {t["id"] for t in data["teams"]} >= {"man-up-eny", "brag-mott-haven"}
    assert all(t["geometry"]["type"] == "MultiPolygon" and t["colour"].startswith("#")
               for t in data["teams"])
    fatal = next(i for i in data["incidents"] if i["id"] == "NYPD-BK1")
    assert fatal["fatal"] is True and fatal["status"] == "open"


async def test_the_map_gives_each_incident_its_place_and_the_city_its_zone_and_time(client, slack,
                                                                                  clock):
    await seed(client, clock)
    await sign_in(client, slack, COORDINATOR)
    data = await (await client.get("/dashboard/api/map")).json()
    # The browser shows times in the city's zone, and ages from the server's clock, not its own.
    assert data["tz"] == "America/New_York"
    assert data["now"] == clock.now.isoformat()
    bronx = next(i for i in data["incidents"] if i["id"] == "NYPD-BX1")
    assert bronx["location"] == "E 138 ST & WILLIS AVE"
    assert bronx["teams"] == ["brag-mott-haven"]
    # Where it happened, in the degrees it was reported in: Leaflet places it, not the server.
    assert (bronx["lat"], bronx["lon"]) == (BRONX["lat"], BRONX["lon"])


async def test_the_map_has_the_boroughs_and_a_label_point_inside_each_catchment(client, slack):
    await sign_in(client, slack, COORDINATOR)
    data = await (await client.get("/dashboard/api/map")).json()
    # Shipped with the app (bot/samples/boroughs.geojson): no data folder, no tiles.
    assert sorted(b["name"] for b in data["boroughs"]) == [
        "Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"]
    assert all(b["geometry"]["type"] == "MultiPolygon" for b in data["boroughs"])
    boroughs = {b["name"]: geojson_shape(b["geometry"]) for b in data["boroughs"]}
    # Lon/lat, GeoJSON's order: East New York's label is in Brooklyn, Mott Haven's in the Bronx,
    # and both in the first view (west, south, east, north).
    west, south, east, north = data["bounds"]
    for team_id, borough in (("man-up-eny", "Brooklyn"), ("brag-mott-haven", "Bronx")):
        team = next(t for t in data["teams"] if t["id"] == team_id)
        assert boroughs[borough].contains(Point(team["label"])), team_id
        assert geojson_shape(team["geometry"]).contains(Point(team["label"])), team_id
        assert west < team["label"][0] < east and south < team["label"][1] < north


async def test_a_member_sees_their_teams_incidents_and_nothing_of_the_others(client, slack, clock):
    await seed(client, clock)
    await sign_in(client, slack, RAY)  # Man Up! East New York: Brooklyn
    data = await (await client.get("/dashboard/api/map")).json()
    assert [i["id"] for i in data["incidents"]] == ["NYPD-BK1"]
    assert [t["id"] for t in data["teams"]] == ["man-up-eny"]
    mine = await client.get("/dashboard/api/incidents/NYPD-BK1")
    assert mine.status == 200
    theirs = await client.get("/dashboard/api/incidents/NYPD-BX1")
    assert theirs.status == 404  # the same answer as for an incident that does not exist
    assert (await client.get("/dashboard/api/incidents/NYPD-NONE")).status == 404


async def test_the_timeline_shows_deliveries_and_actions_with_phones_cut(client, slack, work,
                                                                        clock):
    await seed(client, clock)
    await work()
    await sign_in(client, slack, COORDINATOR)
    await slash(client, slack, "ack NYPD-BK1", RAY)
    shown = await (await client.get("/dashboard/api/incidents/NYPD-BK1")).json()
    assert {d["status"] for d in shown["deliveries"] if d["kind"] == "alert"} == {"sent"}
    assert all(d["recipient"].startswith("***") for d in shown["deliveries"] if d["channel"] == "sms")
    assert any(e["action"] == "acknowledged" and e["actor"] == "Ray Ortiz" for e in shown["timeline"])
    assert "+1212555" not in str(shown)


async def test_the_version_changes_when_someone_acts(client, slack, work, clock):
    await seed(client, clock)
    await work()
    await sign_in(client, slack, COORDINATOR)
    before = (await (await client.get("/dashboard/api/changes")).json())["version"]
    await slash(client, slack, "ack NYPD-BK1", RAY)
    after = (await (await client.get("/dashboard/api/changes")).json())["version"]
    assert after != before


async def test_signing_out_needs_the_csrf_token(client, slack):
    await sign_in(client, slack, COORDINATOR)
    page = await (await client.get("/")).text()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    refused = await client.post("/signout", data={"csrf": "wrong"}, allow_redirects=False)
    assert refused.status == 403
    assert (await client.get("/dashboard/api/changes")).status == 200  # still signed in
    done = await client.post("/signout", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    assert (await client.get("/dashboard/api/changes")).status == 401


DATA_ROUTES = ("/dashboard/api/map", "/dashboard/api/changes", "/dashboard/api/incidents/NYPD-BK1",
               "/dashboard/api/report", "/dashboard/api/report.csv")


async def test_signing_out_ends_the_session_on_the_server_not_only_in_the_browser(client, slack,
                                                                                 clock):
    await seed(client, clock)
    copied = await sign_in(client, slack, COORDINATOR)  # as someone who saw the cookie would
    for path in DATA_ROUTES:
        assert (await client.get(path, cookies={COOKIE: copied})).status == 200, path
    page = await (await client.get("/")).text()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert (await client.post("/signout", data={"csrf": csrf}, allow_redirects=False)).status == 303
    for path in DATA_ROUTES:
        assert (await client.get(path, cookies={COOKIE: copied})).status == 401, path
    for path in ("/", "/reports"):
        response = await client.get(path, cookies={COOKIE: copied}, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/signin"
    again = await client.post("/signout", data={"csrf": csrf}, cookies={COOKIE: copied})
    assert again.status == 401


def own_origin(client) -> str:
    return str(client.make_url("")).rstrip("/")


@pytest.mark.parametrize("headers", [
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},  # a sandboxed frame or a data: page
    {"Origin": "http://127.0.0.1.attacker.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is not the dashboard either
    {"Sec-Fetch-Site": "cross-site", "Origin": "OWN"},
])
async def test_a_sign_in_posted_from_another_site_is_refused_and_leaves_the_link(client, slack,
                                                                                  headers):
    # Login CSRF: the attacker's own link, posted by the victim's browser from the attacker's
    # page, would sign the victim into the attacker's session.
    token = (await link_for(client, slack, RAY)).rsplit("/", 1)[1]
    sent = {name: own_origin(client) if value == "OWN" else value for name, value in headers.items()}
    refused = await client.post("/signin", data={"token": token}, headers=sent,
                                allow_redirects=False)
    assert refused.status == 403 and COOKIE not in refused.cookies
    assert (await client.get("/dashboard/api/changes")).status == 401
    own = {"Origin": own_origin(client), "Sec-Fetch-Site": "same-origin"}
    signed_in = await client.post("/signin", data={"token": token}, headers=own,
                                  allow_redirects=False)
    assert signed_in.status == 303 and COOKIE in signed_in.cookies


@pytest.mark.parametrize("headers", [
    {},  # curl, a script, a browser that sends neither header
    {"Origin": "OWN"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
    # What Chromium sends from the sign-in page under Referrer-Policy: no-referrer.
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    # Behind a proxy the Host can be an inside name: the public URL (here the same) is ours.
    {"Origin": "OWN", "Host": "cmsbot-web.internal:8080"},
])
async def test_a_sign_in_from_the_dashboards_own_page_works(client, slack, headers):
    token = (await link_for(client, slack, COORDINATOR)).rsplit("/", 1)[1]
    sent = {name: own_origin(client) if value == "OWN" else value for name, value in headers.items()}
    response = await client.post("/signin", data={"token": token}, headers=sent,
                                 allow_redirects=False)
    assert response.status == 303 and COOKIE in response.cookies


async def test_pages_forbid_inline_script_and_framing_and_leak_no_referrer(client, slack):
    await sign_in(client, slack, COORDINATOR)
    response = await client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    for name in ("dashboard.js", "map.js"):  # text goes in as text (map.js: as DOM nodes)
        script = await client.get(f"/static/{name}")
        assert script.status == 200 and "innerHTML" not in await script.text(), name


def image_sources(response) -> list[str]:
    """The sources the page's Content-Security-Policy lets images come from."""
    [images] = [part.split()[1:] for part in response.headers["Content-Security-Policy"].split(";")
                if part.split()[:1] == ["img-src"]]
    return images


async def test_without_tiles_the_map_page_takes_images_from_nowhere_else(client, slack):
    await sign_in(client, slack, COORDINATOR)
    response = await client.get("/")
    assert image_sources(response) == ["'self'", "data:"]
    page = await response.text()
    assert "data-tiles" not in page
    # Leaflet is the app's own copy, and no page names any other origin to load from.
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer>' in page
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    script = await client.get("/static/vendor/leaflet/leaflet.js")
    assert script.status == 200 and "Leaflet 1.9.4" in await script.text()


TILES = "https://tiles.example.org/{z}/{x}/{y}.png?key=a&style=\u00e9"


@pytest.fixture
async def tiled_client(aiohttp_client, live_settings, port, clock, sample_sites):
    """The app with CMSBOT_MAP_TILES set (nothing is fetched from it here)."""
    settings = replace(live_settings, map_tiles=TILES, map_tiles_attribution="Tiles <b>& co</b>")
    return await aiohttp_client(create_app(settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


async def test_with_tiles_only_the_map_page_takes_images_from_their_origin(tiled_client, slack):
    await sign_in(tiled_client, slack, COORDINATOR)
    response = await tiled_client.get("/")
    assert image_sources(response) == ["'self'", "data:", "https://tiles.example.org"]
    page = await response.text()
    # The template and the attribution reach the script as attributes, escaped, never as script.
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png?key=a&amp;style=\u00e9"' in page
    assert 'data-tiles-attribution="Tiles &lt;b&gt;&amp; co&lt;/b&gt;"' in page
    assert "<script>" not in page
    for other in ("/reports", "/signin"):
        assert image_sources(await tiled_client.get(other)) == ["'self'", "data:"], other
