"""The dashboard in the real browser (Debian's chromium through Playwright): the Feeds panel
says when each watched feed was last heard from, and marks an overdue one, because a dead feed
looks exactly like a quiet night on the map; and the Report a shooting form is usable."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from playwright.async_api import expect

from alerts.feeds import FeedSource
from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import LoadedSites, load_sites
from tests.test_dashboard_browser import browser, errors, serious_violations, signed_in_page
from tests.test_feed_heartbeats import heartbeat

__all__ = ["browser", "errors"]  # the fixtures, imported for these tests

WATCHED = (FeedSource("nypd-patrol", timedelta(hours=6)),
           FeedSource("hospital-line", timedelta(hours=1)))


@pytest.fixture(scope="module")
def sample_sites() -> LoadedSites:
    """The sample sites, watching two feeds."""
    loaded = load_sites(SAMPLE_SITES)
    return replace(loaded, sites=replace(loaded.sites,
                                         sources={feed.name: feed for feed in WATCHED}))


async def test_the_feeds_panel_marks_a_feed_gone_quiet(browser, client, slack, clock, errors):
    for feed in WATCHED:
        assert (await heartbeat(client, feed.name)).status == 204
    clock.advance(timedelta(hours=2))
    page = await signed_in_page(browser, client, slack, errors)
    panel = page.locator("#feeds-panel")
    await expect(panel).to_be_visible()
    await expect(panel.locator("li.feed")).to_have_count(2)
    overdue = panel.locator("li.feed.overdue")
    await expect(overdue).to_have_count(1)
    await expect(overdue).to_contain_text("hospital-line")
    await expect(overdue).to_contain_text("OVERDUE: check the feed")
    await expect(panel.locator("li.feed", has_text="nypd-patrol")).to_contain_text("ok")
    assert await serious_violations(page) == []
    assert errors == []


async def test_the_report_form_pages_from_the_browser(browser, client, slack, work, twilio,
                                                       errors):
    page = await signed_in_page(browser, client, slack, errors)
    await page.get_by_role("link", name="Report a shooting").click()
    await page.get_by_label("Where").fill("brag-mott-haven")
    await page.get_by_label("Cross streets").fill("E 140 St & Willis Ave")
    await page.get_by_label("Victims").fill("1")
    assert await serious_violations(page) == []
    await page.get_by_role("button", name="Report and page").click()
    await expect(page.get_by_role("status")).to_contain_text("brag-mott-haven paged")
    await work()
    assert any(m.body.startswith("CMS ALERT #1") for m in twilio.sent_to("+13475550140"))
    assert errors == []
