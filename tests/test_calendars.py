"""Calendar feeds end to end: `/cms calendar` in Slack gives each person their own link, a phone
fetching it gets their shifts, time off and covers (nobody else's), and any other link is a
plain 404. On SQLite and on PostgreSQL: the shifts and covers come from the roster tables."""

import re
from dataclasses import replace
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from yarl import URL

from bot.main.app import create_app
from handlers import keys
from tests.polling import eventually
from tests.test_slack import cms  # noqa: F401 (the signed /cms of the Slack tests)

NEW_YORK = ZoneInfo("America/New_York")
BRAG = "Bronx Rises Against Gun Violence (Mott Haven)"
LINK = re.compile(r"<(http://[^>|]+/calendar/([A-Za-z0-9_-]+)\.ics)>")


@pytest.fixture
async def client(aiohttp_client, live_settings, any_settings, port, clock, sample_sites):
    """The app over real HTTP (as tests.conftest's), on SQLite and on PostgreSQL in turn."""
    chosen = replace(live_settings, database_url=any_settings.database_url)
    return await aiohttp_client(create_app(chosen, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


def member(client, team_id, name):
    return next(m for m in client.server.app[keys.SITES].sites.team(team_id).members
                if m.name == name)


async def link_of(cms, user):  # noqa: F811
    answer = await cms("calendar", user=user)
    found = LINK.search(answer)
    assert found, answer
    return found[1], found[2], answer


async def feed(client, url):
    response = await client.get(URL(url).path)  # as a phone fetches it, on the app's port
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    return Calendar.from_ical(await response.read())


async def test_a_member_subscribes_to_their_own_shifts_from_slack(client, cms, clock,  # noqa: F811
                                                                  caplog):
    changed = await cms('member shifts brag-mott-haven "Luis Feliz" mon-fri 18:00-02:00',
                        user="U0VICTOR")
    assert changed.startswith("Done:")
    await eventually(lambda: member(client, "brag-mott-haven", "Luis Feliz").shifts,
                     "the web process reads Luis's new shifts", within=5)

    url, secret, answer = await link_of(cms, "U0LUISFE")
    assert len(secret) == 32
    assert "webcal://" in answer and "/calendar/" + secret + ".ics" in answer
    calendar = await feed(client, url)
    assert calendar["X-WR-CALNAME"] == "CMS shifts: Luis Feliz"
    shifts = calendar.events
    assert {e["SUMMARY"] for e in shifts} == {f"On shift: {BRAG}"}
    starts = [e.start.astimezone(NEW_YORK) for e in shifts]
    assert {(s.hour, s.minute) for s in starts} == {(18, 0)}
    assert {s.weekday() for s in starts} == {0, 1, 2, 3, 4}
    today = clock().astimezone(NEW_YORK).date()
    assert min(starts).date() >= today - timedelta(days=7)
    assert max(starts).date() >= today + timedelta(weeks=7)  # about two months ahead
    assert all(e.end.astimezone(NEW_YORK).hour == 2 for e in shifts)
    again = await feed(client, url)
    assert [e["UID"] for e in again.events] == [e["UID"] for e in shifts]
    assert secret not in caplog.text and "+1347" not in caplog.text


async def test_each_person_gets_a_link_of_their_own_and_strangers_get_none(client, cms):  # noqa: F811
    luis, _, _ = await link_of(cms, "U0LUISFE")
    ray, _, _ = await link_of(cms, "U0RAYORT")
    dana, _, _ = await link_of(cms, "U0COORD1")
    assert len({luis, ray, dana}) == 3
    assert (await feed(client, ray))["X-WR-CALNAME"] == "CMS shifts: Ray Ortiz"
    assert (await feed(client, dana))["X-WR-CALNAME"] == "CMS shifts: Dana Reyes"
    refused = await cms("calendar", user="U0NOBODY")
    assert "not on the CMS roster" in refused and "/calendar/" not in refused


async def test_a_link_no_one_was_given_is_a_404_that_says_nothing(client, cms):  # noqa: F811
    _, secret, _ = await link_of(cms, "U0LUISFE")
    flipped = ("A" if secret[0] != "A" else "B") + secret[1:]
    for path in (f"/calendar/{flipped}.ics", f"/calendar/{secret[:-1]}.ics",
                 f"/calendar/{secret}x.ics", "/calendar/Luis%20Feliz.ics",
                 "/calendar/brag-mott-haven.ics", f"/calendar/{secret}.ics.ics"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Luis" not in await response.text()
    assert (await client.get(f"/calendar/{secret}")).status == 404


async def test_a_cover_from_slack_shows_in_the_feeds_of_both_people(client, cms):  # noqa: F811
    answer = await cms("cover brag-mott-haven Victor for Luis until 8am")
    assert answer.startswith("Done: Victor Adeyemi is on")
    await eventually(lambda: client.server.app[keys.SITES].sites.overrides,
                     "the web process reads the cover", within=5)
    victor, _, _ = await link_of(cms, "U0VICTOR")
    luis, _, _ = await link_of(cms, "U0LUISFE")
    covering = [e for e in (await feed(client, victor)).events
                if e["SUMMARY"] == "Covering for Luis Feliz"]
    assert len(covering) == 1
    assert covering[0].end.astimezone(NEW_YORK).hour == 8
    assert covering[0].end.astimezone(UTC) > covering[0].start.astimezone(UTC)
    assert [e["SUMMARY"] for e in (await feed(client, luis)).events] == [
        "Off: covered by Victor Adeyemi"]
