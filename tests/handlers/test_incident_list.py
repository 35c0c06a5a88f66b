"""Finding incidents: `GET /api/incidents` as a feed or an analyst uses it, on SQLite and
PostgreSQL: newest first, a page at a time with a cursor, filters that narrow, the single view's
redaction, and clear refusals."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.main.app import create_app
from tests.clock import NEW_YORK
from tests.conftest import API_TOKEN, STAFF_FROM

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
NOW = datetime(2026, 7, 5, 3, 20, tzinfo=UTC)  # Saturday 23:20 in New York
START = NOW - timedelta(hours=6)
# Sample sites: man-up-eny's polygon, brag-mott-haven's, and a point no catchment holds.
PLACES = {"eny": (40.6800, -73.8800), "bronx": (40.8105, -73.9235), "none": (40.7500, -73.6000)}


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def posted(n: int) -> dict:
    """The n-th of a dozen incidents, half an hour apart, in turn at three places, from two
    sources, one in four shots fired; the pair 10 and 11 at the same minute."""
    lat, lon = PLACES[("eny", "bronx", "none")[n % 3]]
    minutes = 30 * n if n != 11 else 30 * 10
    return {"id": f"NYPD-{n:02d}", "occurred_at": at(minutes).isoformat(), "lat": lat, "lon": lon,
            "source": "nypd-patrol" if n % 2 == 0 else "hospital-call",
            "type": "shots-fired" if n % 4 == 3 else "shooting", "victims": 1,
            "location": f"{n} MAIN ST", "hospital": "Brookdale" if n == 0 else None}


# Newest first: by occurred_at, then by id for the two at the same time.
NEWEST_FIRST = ["NYPD-11", "NYPD-10", *(f"NYPD-{n:02d}" for n in range(9, -1, -1))]


@pytest.fixture
async def api(aiohttp_client, any_settings, sample_sites):
    client = await aiohttp_client(create_app(any_settings, sites=sample_sites, clock=lambda: NOW))
    for n in range(12):
        response = await client.post("/api/incidents", json=posted(n), headers=AUTH)
        assert response.status == 202, await response.text()
    return client


async def listed(api, **params) -> dict:
    response = await api.get("/api/incidents", params=params, headers=AUTH)
    assert response.status == 200, await response.text()
    return await response.json()


async def ids(api, **params) -> list[str]:
    return [incident["id"] for incident in (await listed(api, **params))["incidents"]]


async def test_paging_through_by_five_gives_each_incident_once_newest_first(api):
    seen, cursor, pages = [], None, 0
    while True:
        page = await listed(api, limit="5", **({"cursor": cursor} if cursor else {}))
        seen += [incident["id"] for incident in page["incidents"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
        assert len(page["incidents"]) == 5
    assert pages == 3
    assert seen == NEWEST_FIRST


async def test_an_incident_posted_while_paging_neither_repeats_nor_shifts_a_page(api):
    first = await listed(api, limit="5")
    late = {**posted(0), "id": "NYPD-LATE", "occurred_at": (NOW - timedelta(minutes=1)).isoformat()}
    assert (await api.post("/api/incidents", json=late, headers=AUTH)).status == 202
    second = await ids(api, limit="5", cursor=first["next"])
    assert second == NEWEST_FIRST[5:10]


async def test_without_a_limit_a_page_holds_fifty(api):
    page = await listed(api)
    assert len(page["incidents"]) == 12 and page["next"] is None


async def test_each_listed_incident_is_shown_as_the_single_view_shows_it(api):
    page = await listed(api, limit="12")
    for incident in page["incidents"]:
        single = await (await api.get(f"/api/incidents/{incident['id']}", headers=AUTH)).json()
        assert incident == single


async def test_phones_are_redacted_as_in_the_single_view(api):
    shown = next(i for i in (await listed(api))["incidents"] if i["id"] == "NYPD-00")
    assert sorted(p["phone"] for p in shown["pages"]) == ["***0175", "***0177", "***0178"]
    assert {d["recipient"] for d in shown["deliveries"] if d["channel"] == "sms"} == {
        "***0175", "***0177", "***0178"}
    everything = str((await listed(api))["incidents"])
    for phone in ("+12125550175", "2125550175", "+13475550140", "+12125550100"):
        assert phone not in everything


FILTERS = [
    ({"since": at(240).isoformat()}, ["NYPD-11", "NYPD-10", "NYPD-09", "NYPD-08"]),
    ({"until": at(60).isoformat()}, ["NYPD-01", "NYPD-00"]),
    ({"since": at(60).isoformat(), "until": at(120).isoformat()}, ["NYPD-03", "NYPD-02"]),
    # The same moment in New York time, with a "Z", and with its "+" lost in a URL.
    ({"since": at(240).astimezone(NEW_YORK).isoformat()}, ["NYPD-11", "NYPD-10", "NYPD-09",
                                                           "NYPD-08"]),
    ({"since": at(240).isoformat().replace("+00:00", "Z")}, ["NYPD-11", "NYPD-10", "NYPD-09",
                                                            "NYPD-08"]),
    ({"since": at(270).isoformat().replace("+", " ")}, ["NYPD-11", "NYPD-10", "NYPD-09"]),
    ({"team": "brag-mott-haven"}, ["NYPD-10", "NYPD-07", "NYPD-04", "NYPD-01"]),
    ({"team": "man-up-eny"}, ["NYPD-09", "NYPD-06", "NYPD-03", "NYPD-00"]),
    ({"source": "hospital-call"}, ["NYPD-11", "NYPD-09", "NYPD-07", "NYPD-05", "NYPD-03",
                                   "NYPD-01"]),
    ({"type": "shots-fired"}, ["NYPD-11", "NYPD-07", "NYPD-03"]),
    ({"type": "shots-fired", "team": "man-up-eny"}, ["NYPD-03"]),
    ({"status": "open"}, NEWEST_FIRST),
    ({"status": "closed"}, []),
]


async def test_each_filter_narrows_the_list(api):
    for params, expected in FILTERS:
        assert await ids(api, **params) == expected, params


async def test_a_filtered_list_pages_with_its_cursor_too(api):
    first = await listed(api, source="hospital-call", limit="4")
    assert [i["id"] for i in first["incidents"]] == ["NYPD-11", "NYPD-09", "NYPD-07", "NYPD-05"]
    assert await ids(api, source="hospital-call", limit="4", cursor=first["next"]) == [
        "NYPD-03", "NYPD-01"]


REFUSED = [
    ({"since": "yesterday"}, "since", "is not an ISO 8601 time"),
    ({"since": "2026-07-04T23:15:00"}, "since", "needs a UTC offset"),
    ({"until": "2026-07-04"}, "until", "needs a UTC offset"),
    ({"since": at(120).isoformat(), "until": at(60).isoformat()}, "until", "later than since"),
    ({"cursor": "not-a-cursor"}, "cursor", "not a cursor this server gave out"),
    ({"limit": "0"}, "limit", "from 1 to 200"),
    ({"limit": "1000"}, "limit", "from 1 to 200"),
    ({"limit": "ten"}, "limit", "from 1 to 200"),
    ({"status": "pending"}, "status", "expected one of open, acknowledged, on scene, closed"),
    ({"type": "stabbing"}, "type", "expected one of shooting, shots-fired, police-involved"),
    ({"team": "nobody"}, "team", "unknown team 'nobody'"),
    ({"source": "\x00"}, "source", "printable"),
    ({"stauts": "open"}, "stauts", "unknown parameter"),
]


async def test_a_bad_parameter_is_a_400_that_names_it(api):
    for params, field, says in REFUSED:
        response = await api.get("/api/incidents", params=params, headers=AUTH)
        assert response.status == 400, params
        body = await response.json()
        assert body["field"] == field and says in body["error"], (params, body)


async def test_a_tampered_cursor_is_a_400(api):
    cursor = (await listed(api, limit="5"))["next"]
    body, _, signature = cursor.partition(".")
    changed = body[:-1] + ("A" if body[-1] != "A" else "B") + "." + signature
    response = await api.get("/api/incidents", params={"cursor": changed}, headers=AUTH)
    assert response.status == 400
    assert "start again without it" in (await response.json())["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
async def test_without_the_right_token_it_is_401(api, headers):
    response = await api.get("/api/incidents", headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_status_follows_what_staff_did(client, work, twilio, clock, port):
    """Live: the incident Luis acknowledges by text is listed as acknowledged, the other open."""
    lat, lon = PLACES["bronx"]
    for n, minutes in ((1, 10), (2, 5)):  # paged in this order: #1 and #2 for Luis
        incident = {"id": f"NYPD-B{n}", "lat": lat, "lon": lon,
                    "occurred_at": (clock.now - timedelta(minutes=minutes)).isoformat()}
        assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    await work()
    status, reply = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms",
                                              "+13475550140", STAFF_FROM, "1A")
    assert status == 200 and "#1 acknowledged" in reply
    assert await ids(client, status="acknowledged") == ["NYPD-B1"]
    assert await ids(client, status="open") == ["NYPD-B2"]
