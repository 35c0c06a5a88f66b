"""The roster page in the real browser (Debian's chromium through Playwright): a coordinator
opens it from the dashboard's bar, adds a new interrupter with the form and sees them listed
UNVERIFIED (the consent text on its way), then covers tonight's sick call and sees the cover
listed; no console error, no serious accessibility violation."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.test_dashboard_browser import browser, errors, serious_violations, signed_in_page

__all__ = ["browser", "errors"]  # the fixtures, imported for these tests

ANA = "+13475550155"


async def test_a_coordinator_adds_a_member_and_covers_a_shift_from_the_roster_page(
        browser, client, slack, work, twilio, errors, tmp_path):
    page = await signed_in_page(browser, client, slack, errors)
    await page.get_by_role("link", name="Roster").click()
    await expect(page.get_by_role("heading", name="Roster", exact=True)).to_be_visible()
    team = page.get_by_role("region", name=re.compile("Bronx Rises Against Gun Violence"))
    assert await serious_violations(page) == []

    await team.get_by_text("Change Bronx Rises Against Gun Violence (Mott Haven)'s roster").click()
    add = team.locator("form.add")
    await add.get_by_label("Name").fill("Ana Diaz")
    await add.get_by_label("Phone").fill("347-555-0155")
    await add.get_by_label("Role").select_option("interrupter")
    await add.get_by_role("button", name="Add").click()
    await expect(page.get_by_role("status")).to_contain_text("Done: add brag-mott-haven/Ana Diaz")
    ana = team.get_by_role("row", name=re.compile("Ana Diaz"))
    await expect(ana).to_contain_text("***0155")
    await expect(ana).to_contain_text("UNVERIFIED")
    await work()
    assert [m.body for m in twilio.sent_to(ANA)] == [
        "Reply YES to receive CMS alerts from Bronx Rises Against Gun Violence (Mott Haven)."]

    await team.get_by_text("Change Bronx Rises Against Gun Violence (Mott Haven)'s roster").click()
    cover = team.locator("form.cover")
    await cover.get_by_label("Who is on").fill("Grace Kim")
    await cover.get_by_label("Instead of").fill("Luis Feliz")
    await cover.get_by_label("Until").fill("tomorrow 8am")
    await cover.get_by_role("button", name="Put on").click()
    await expect(page.get_by_role("status")).to_contain_text("Grace Kim is on for")
    await expect(team.locator("ul.overrides")).to_contain_text(
        re.compile(r"Grace Kim is on in place of Luis Feliz until \w{3} \w{3} \d\d 08:00"))
    await expect(team.locator("ul.changes li").first).to_contain_text(
        "Dana Reyes: cover Grace Kim in place of Luis Feliz")
    assert await serious_violations(page) == []
    await page.screenshot(path=str(tmp_path / "roster.png"), full_page=True)
    assert errors == []
