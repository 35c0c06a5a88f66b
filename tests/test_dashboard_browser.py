"""The dashboard in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright.

A coordinator types `/cms dashboard` in Slack, follows the link, signs in, sees the seeded
incidents on the map and in the list, opens one's timeline, and sees it change when a member
acknowledges from Slack; a browser without the cookie is sent to the sign-in help instead.
Every signed-in page must run without a console error or an uncaught exception.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from bot.main.app import create_app
from tests.conftest import IN_CI
from tests.doubles.tiles import TileServer
from tests.handlers.test_dashboard import AUTH, BRONX, BROOKLYN, COORDINATOR, RAY, link_for, slash


def chromium_path() -> str | None:
    """CMSBOT_CHROMIUM, or Debian's chromium on PATH."""
    return os.environ.get("CMSBOT_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if IN_CI:
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)",
                        pytrace=False)
        pytest.skip("no chromium on this machine: apt-get install chromium, or set CMSBOT_CHROMIUM")
    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = await playwright.chromium.launch(executable_path=executable,
                                                    args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
def errors() -> Iterator[list[str]]:
    """Console errors and uncaught exceptions of the pages opened with it; none by the end."""
    found: list[str] = []
    yield found
    assert found == []


async def seed(client, work, clock) -> None:
    for incident in (BRONX, BROOKLYN):
        moment = (clock.now - timedelta(minutes=10)).isoformat()
        response = await client.post("/api/incidents", json={**incident, "occurred_at": moment},
                                     headers=AUTH)
        assert response.status == 202
    await work()


def base(client) -> str:
    return str(client.make_url("")).rstrip("/")


async def signed_in_page(browser: Browser, client, slack, errors: list[str],
                         requests: list[str] | None = None, **context: Any) -> Page:
    """A page that followed a fresh `/cms dashboard` link and pressed Sign in; its console
    errors and uncaught exceptions go to `errors`, the URL of every request it made to
    `requests` (when given)."""
    page = await (await browser.new_context(**context)).new_page()
    page.on("console", lambda message: errors.append(
        f"{message.text} ({message.location.get('url')})") if message.type == "error"
            else None)
    page.on("pageerror", lambda problem: errors.append(str(problem)))
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    await page.goto(base(client) + await link_for(client, slack, COORDINATOR))
    await expect(page.get_by_text("Signing in as Dana Reyes")).to_be_visible()
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(base(client) + "/")
    return page


async def test_a_coordinator_signs_in_sees_the_map_and_opens_a_timeline(browser, client, slack,
                                                                        work, clock, errors):
    await seed(client, work, clock)
    page = await signed_in_page(browser, client, slack, errors)
    await expect(page.locator("header .who")).to_have_text("Dana Reyes")
    # Both incidents on the map (a dot each, the fatal one ringed) and in the list.
    await expect(page.locator("#map path.dot")).to_have_count(2)
    await expect(page.locator("#map path.dot.fatal")).to_have_count(1)
    await expect(page.locator("#map path.area").first).to_be_visible()
    # Offline, the boroughs are outlined and each catchment is named on the map.
    await expect(page.locator("#map path.borough")).to_have_count(5)
    await expect(page.locator("#map .team-label", has_text="Man Up!")).to_have_count(1)
    await expect(page.locator("#incidents button")).to_have_count(2)
    await page.locator("#incidents button", has_text="NYPD-BK1").click()
    timeline = page.locator("#timeline")
    await expect(timeline.locator("h2")).to_have_text("NYPD-BK1")
    await expect(timeline).to_contain_text("PITKIN AVE & ROCKAWAY AVE")
    await expect(timeline.locator(".event .action", has_text="paged")).to_have_count(1)
    await expect(timeline.locator("table")).to_contain_text("Ray Ortiz")
    # A member acknowledges from Slack: the page notices by itself, without a reload.
    await slash(client, slack, "ack NYPD-BK1", RAY)
    await expect(timeline.locator(".event .action", has_text="acknowledged")).to_have_count(
        1, timeout=20_000)
    await expect(page.locator("#incidents li.acked button", has_text="NYPD-BK1")).to_have_count(
        1, timeout=20_000)
    await page.get_by_role("button", name="7 days").click()
    await expect(page.locator("#incidents button")).to_have_count(2)


def the_map(page: Page) -> Locator:
    """The map, found as a screen reader finds it."""
    return page.get_by_role("region", name="Map of catchments and incidents")


async def test_a_dot_on_the_map_opens_its_timeline(browser, client, slack, work, clock, errors):
    await seed(client, work, clock)
    page = await signed_in_page(browser, client, slack, errors)
    await page.locator("#map path.dot[data-id='NYPD-BX1']").click()
    await expect(page.locator("#timeline h2")).to_have_text("NYPD-BX1")
    await expect(page.locator("#timeline")).to_contain_text("E 138 ST & WILLIS AVE")
    # From the keyboard too: each dot is a button named for what happened where.
    dot = the_map(page).get_by_role("button", name=re.compile("PITKIN AVE & ROCKAWAY AVE"))
    await dot.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#timeline h2")).to_have_text("NYPD-BK1")


async def test_without_the_cookie_the_browser_is_sent_to_sign_in(browser, client, slack, work,
                                                                  clock):
    await seed(client, work, clock)
    page = await (await browser.new_context()).new_page()
    await page.goto(base(client) + "/")
    await expect(page).to_have_url(base(client) + "/signin")
    await expect(page.locator("body")).to_contain_text("/cms dashboard")
    answer = await page.request.get(base(client) + "/dashboard/api/map")
    assert answer.status == 401
    assert "NYPD-BK1" not in await answer.text()


async def test_signing_out_ends_the_session(browser, client, slack, errors):
    page = await signed_in_page(browser, client, slack, errors)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await page.goto(base(client) + "/")
    await expect(page).to_have_url(base(client) + "/signin")


async def test_the_reports_page_shows_the_month_and_offers_the_csv(browser, client, slack, work,
                                                                   clock, errors):
    await seed(client, work, clock)
    page = await signed_in_page(browser, client, slack, errors)
    await page.get_by_role("link", name="Reports").click()
    table = page.locator("#report")
    await expect(table.locator("tr", has_text="man-up-eny")).to_have_count(1)
    await expect(page.locator("#chart polyline")).not_to_have_count(0)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download CSV").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("cmsbot-report-")
    assert "man-up-eny" in (await download.path()).read_text(encoding="utf-8")


DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


async def seed_many(client, work, clock, count: int) -> None:
    """`count` shootings a minute apart at one corner: a list far longer than the screen."""
    for number in range(count):
        moment = (clock.now - timedelta(minutes=10 + number)).isoformat()
        response = await client.post("/api/incidents", headers=AUTH, json={
            **BRONX, "id": f"NYPD-MANY{number:03}", "occurred_at": moment})
        assert response.status == 202
    await work()


async def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element's top edge is on the screen (its box against the viewport)."""
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return 0 <= box["y"] < size["height"] and box["x"] < size["width"] and box["x"] + box[
        "width"] > 0


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_timeline_opens_in_view_beside_a_long_list(browser, client, slack, work, clock,
                                                            errors, tmp_path, size):
    await seed_many(client, work, clock, 40)
    page = await signed_in_page(browser, client, slack, errors, viewport=size)
    cards = page.locator("#incidents button")
    await expect(cards).to_have_count(40)
    name = "desktop" if size is DESKTOP else "phone"
    before = tmp_path / f"map-{name}.png"
    await page.screenshot(path=str(before))
    assert before.stat().st_size > 0
    await cards.nth(30).scroll_into_view_if_needed()
    await cards.nth(30).click()
    await expect(page.locator("#timeline h2")).to_have_text("NYPD-MANY030")
    await expect(page.locator("#timeline")).to_be_in_viewport()
    assert await in_viewport(page, "#timeline h2")
    shot = tmp_path / f"timeline-{name}.png"
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 0
    if size is PHONE:
        # On a phone the details take the list's place; Back brings the list, where it was.
        await expect(page.locator("#incidents")).to_be_hidden()
        await page.get_by_role("button", name="Back to the list").click()
        await expect(page.locator("#timeline")).to_be_hidden()
        await expect(cards.nth(30)).to_be_in_viewport()
    else:
        # On a desktop the list stays beside it, and another card replaces the details.
        await expect(cards.nth(30)).to_be_in_viewport()
        await cards.nth(29).click()
        await expect(page.locator("#timeline h2")).to_have_text("NYPD-MANY029")
        assert await in_viewport(page, "#timeline h2")


def city_time(moment) -> str:
    """How the dashboard shows a moment of this year: "Sat Dec 5, 11:10 PM EST" in New York."""
    local = moment.astimezone(ZoneInfo("America/New_York"))
    return f"{local:%a %b} {local.day}, {local:%-I:%M %p %Z}"


async def test_cards_show_place_team_state_and_age_in_the_citys_time(browser, client, slack,
                                                                     work, clock, errors):
    await seed(client, work, clock)
    # A browser set to Tokyo still reads New York's time: the times are the city's.
    page = await signed_in_page(browser, client, slack, errors, timezone_id="Asia/Tokyo")
    card = page.locator("#incidents button", has_text="NYPD-BX1")
    await expect(card.locator(".status")).to_have_text("open")
    await expect(card.locator(".age")).to_have_text("10 min ago")
    await expect(card.locator(".where")).to_have_text("E 138 ST & WILLIS AVE")
    await expect(card.locator(".team")).to_have_text("Bronx Rises Against Gun Violence (Mott Haven)")
    occurred = city_time(clock.now - timedelta(minutes=10))
    await expect(card.locator(".when")).to_contain_text(occurred)
    await card.click()
    await expect(page.locator("#timeline .facts")).to_contain_text(occurred)
    # Times inside the timeline's details are the city's too, not the server's UTC.
    received = page.locator("#timeline .event.received .detail")
    await expect(received).to_contain_text(occurred)
    await expect(received).not_to_contain_text("+00:00")
    # A moment of another year shows it; summer shows daylight time.
    assert await page.evaluate("cityTime('2025-07-05T03:15:00+00:00')") == (
        "Fri Jul 4, 2025, 11:15 PM EDT")
    assert await page.evaluate("cityTime('2026-07-05T03:15:00+00:00')") == "Sat Jul 4, 11:15 PM EDT"


async def test_the_report_chart_has_a_key_draws_empty_months_as_zero_and_the_table_scrolls(
        browser, client, slack, work, clock, errors, tmp_path):
    await seed(client, work, clock)
    earlier = {**BRONX, "id": "NYPD-BX0", "occurred_at": (clock.now - timedelta(days=61)).isoformat()}
    assert (await client.post("/api/incidents", json=earlier, headers=AUTH)).status == 202
    await work()
    page = await signed_in_page(browser, client, slack, errors, viewport=PHONE)
    await page.get_by_role("link", name="Reports").click()
    await expect(page.locator("#report tr", has_text="brag-mott-haven")).not_to_have_count(0)
    # A key names each line in its colour.
    line = page.locator("#chart polyline[data-team='brag-mott-haven']")
    key = page.locator("#chart-key li", has_text="brag-mott-haven")
    await expect(key).to_have_count(1)
    assert await key.locator(".swatch").evaluate("e => getComputedStyle(e).backgroundColor") == (
        await line.evaluate("e => getComputedStyle(e).stroke"))
    # Every month of the window is a point; the month between the two shootings is at zero.
    months = await page.evaluate("""() => {
        const form = document.getElementById("report-range");
        const [sy, sm] = form.elements.since.value.split("-").map(Number);
        const [uy, um, ud] = form.elements.until.value.split("-").map(Number);
        return (uy - sy) * 12 + (um - sm) + (ud > 1 ? 1 : 0);
    }""")
    points = [tuple(map(float, point.split(",")))
              for point in (await line.get_attribute("points") or "").split()]
    assert len(points) == months
    zero = float(await page.locator("#chart line.axis").first.get_attribute("y1") or "nan")
    counts = [point[1] for point in points]
    assert counts[-1] < zero and counts[-3] < zero and counts[-2] == zero
    assert counts[:-3] == [zero] * (months - 3)
    # On a phone the table scrolls sideways inside its box; the page itself does not.
    wrap = page.locator(".table-wrap")
    assert await wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    await page.locator("#report th").last.scroll_into_view_if_needed()
    await expect(page.locator("#report th").last).to_be_in_viewport()
    shot = tmp_path / "reports-phone.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    found = (await Axe().run(page)).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_pages_have_no_serious_accessibility_violation(browser, client, slack, work,
                                                                 clock, errors, size):
    await seed(client, work, clock)
    page = await signed_in_page(browser, client, slack, errors, viewport=size)
    await expect(page.locator("#incidents button")).to_have_count(2)
    assert await serious_violations(page) == []
    await page.locator("#incidents button", has_text="NYPD-BK1").click()
    await expect(page.locator("#timeline h2")).to_have_text("NYPD-BK1")
    assert await serious_violations(page) == []
    await page.get_by_role("link", name="Reports").click()
    await expect(page.locator("#report tr", has_text="man-up-eny")).to_have_count(1)
    assert await serious_violations(page) == []


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def test_offline_the_map_names_boroughs_and_catchments_and_asks_no_other_origin(
        browser, client, slack, work, clock, errors):
    await seed(client, work, clock)
    requests: list[str] = []
    # A phone, held in the hand: 390 px wide, touch.
    page = await signed_in_page(browser, client, slack, errors, requests, viewport=PHONE,
                                has_touch=True)
    the_map_now = the_map(page)
    for borough in ("Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"):
        await expect(the_map_now.locator(".borough-name", has_text=borough)).to_have_count(1)
    for team in ("Man Up! (East New York)", "Bronx Rises Against Gun Violence (Mott Haven)"):
        await expect(the_map_now.locator(".team-label", has_text=team)).to_be_visible()
    await expect(the_map_now.locator("path.dot")).to_have_count(2)
    # The map fits the phone's width, and the page does not scroll sideways.
    box = await the_map_now.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    # A tap on a dot opens its timeline, in view on the phone.
    await the_map_now.locator("path.dot[data-id='NYPD-BX1']").tap()
    await expect(page.locator("#timeline h2")).to_have_text("NYPD-BX1")
    await expect(page.locator("#timeline")).to_be_in_viewport()
    # Zooming in (the catchments grow) asks for nothing either: there is no tile layer at all.
    area = page.locator("#map path.area").first
    before = await area.bounding_box()
    assert before is not None
    await the_map_now.get_by_role("button", name="Zoom in").tap()
    await page.wait_for_function(
        "width => document.querySelector('#map path.area').getBoundingClientRect().width > width",
        arg=before["width"] * 1.2)
    await expect(page.locator("#map img.leaflet-tile")).to_have_count(0)
    await page.wait_for_load_state("networkidle")
    assert requests and {origin_of(url) for url in requests} == {base(client)}, requests


@pytest.fixture
async def tile_server() -> AsyncIterator[TileServer]:
    async with TileServer() as server:
        yield server


@pytest.fixture
async def tiled_client(aiohttp_client, live_settings, port, clock, sample_sites, tile_server):
    """The app with CMSBOT_MAP_TILES naming the loopback tile server (default attribution)."""
    settings = replace(live_settings, map_tiles=tile_server.template)
    return await aiohttp_client(create_app(settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


async def test_with_tiles_the_streets_are_drawn_under_the_map_from_that_server_alone(
        browser, tiled_client, tile_server, slack, work, clock, errors):
    await seed(tiled_client, work, clock)
    requests: list[str] = []
    page = await signed_in_page(browser, tiled_client, slack, errors, requests)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("requestfailed", lambda request: refused.append(f"{request.url}: {request.failure}"))
    tiles = page.locator("#map img.leaflet-tile-loaded")
    await expect(tiles.first).to_be_visible()
    # Drawn, not a broken image: the browser decoded the server's 256 px PNG.
    await expect(tiles.first).to_have_js_property("naturalWidth", 256)
    assert tile_server.hits and all(9 <= hit.z <= 19 for hit in tile_server.hits)
    # The tile server learns which site shows its tiles (as OpenStreetMap asks), never a path.
    assert {hit.referer for hit in tile_server.hits} == {base(tiled_client) + "/"}
    await expect(page.locator("#map .leaflet-control-attribution")).to_contain_text(
        "© OpenStreetMap contributors")
    # The outlines, names and dots are still there, over the streets.
    await expect(page.locator("#map path.borough")).to_have_count(5)
    await expect(page.locator("#map .team-label", has_text="Man Up!")).to_be_visible()
    await expect(page.locator("#map path.dot")).to_have_count(2)
    await page.wait_for_load_state("networkidle")
    assert refused == []
    assert {origin_of(url) for url in requests} == {base(tiled_client), tile_server.origin}
