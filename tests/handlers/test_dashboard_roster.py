"""The dashboard's roster page over HTTP: coordinators change any team's roster from its forms,
supervisors only their own, other members see a 403 page; every change is RosterDesk's (the
audit, the consent text to a new number); a post without the session's CSRF token changes
nothing. On SQLite and PostgreSQL. The real browser test is test_dashboard_roster_browser."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest

from bot.main.app import create_app
from handlers import keys
from tests.handlers.test_dashboard import COORDINATOR, LUIS, sign_in
from tests.polling import eventually

VICTOR = "U0VICTOR"  # brag-mott-haven's supervisor
BRAG, MAN_UP = "brag-mott-haven", "man-up-eny"
ANA = "+13475550155"
CONSENT = "Reply YES to receive CMS alerts from Bronx Rises Against Gun Violence (Mott Haven)."


@pytest.fixture(params=["sqlite", "postgresql"])
def chosen_settings(request, live_settings):
    """The live settings, on SQLite and on PostgreSQL in turn."""
    if request.param == "sqlite":
        return live_settings
    return replace(live_settings, database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
async def client(aiohttp_client, chosen_settings, port, clock, sample_sites):
    return await aiohttp_client(create_app(chosen_settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def work(run_worker, chosen_settings, clock):
    return lambda: run_worker(chosen_settings, clock)


async def csrf_of(client) -> str:
    """The session's CSRF token, as the roster page's forms carry it."""
    page = await client.get("/roster")
    assert page.status == 200, await page.text()
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found
    return found.group(1)


async def post(client, action: str, team: str, csrf: str | None, **fields: str):
    """Submit one roster form as the browser would."""
    data = {"action": action, "team": team, **fields}
    if csrf is not None:
        data["csrf"] = csrf
    return await client.post("/roster", data=data, allow_redirects=False)


async def shown(client) -> str:
    """The roster page's text as a person reads it (tags dropped)."""
    response = await client.get("/roster")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", await response.text())).split())


def members(client, team: str) -> list[str]:
    return [m.name for m in client.server.app[keys.SITES].sites.team(team).members]


async def test_a_coordinator_adds_a_member_who_is_listed_unverified_audited_and_asked_yes(
        client, slack, twilio, work):
    await sign_in(client, slack, COORDINATOR)
    response = await post(client, "add", BRAG, await csrf_of(client), name="Ana Diaz",
                          phone="(347) 555-0155", role="interrupter")
    assert response.status == 303 and response.headers["Location"] == f"/roster#team-{BRAG}"
    page = await shown(client)
    assert "Done: add brag-mott-haven/Ana Diaz (by Dana Reyes). They are texted to reply YES" \
        in page
    assert "Ana Diaz interrupter ***0155 always en UNVERIFIED" in page
    assert "Dana Reyes: add brag-mott-haven/Ana Diaz" in page  # the audit
    assert "0155" not in page.replace("***0155", "")  # the number only redacted
    assert "Done: add" not in await shown(client)  # the answer is shown once
    assert "Ana Diaz" in members(client, BRAG)
    await work()
    assert [m.body for m in twilio.sent_to(ANA)] == [CONSENT]


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_a_post_without_the_sessions_csrf_token_changes_nothing(client, slack, twilio,
                                                                       work, token):
    await sign_in(client, slack, COORDINATOR)
    response = await post(client, "add", BRAG, token, name="Ana Diaz", phone=ANA,
                          role="interrupter")
    assert response.status == 403
    assert "CSRF" in await response.text()
    assert "Ana Diaz" not in await shown(client)
    await work()
    assert twilio.sent_to(ANA) == []


async def test_a_supervisor_changes_their_own_team_only(client, slack):
    await sign_in(client, slack, VICTOR)
    page = await shown(client)
    assert "Bronx Rises" in page and "Man Up!" not in page  # only their team is listed
    csrf = await csrf_of(client)
    refused = await post(client, "remove", MAN_UP, csrf, name="Ray Ortiz")
    assert refused.status == 403
    assert "Only coordinators and Man Up! (East New York)'s supervisors" in unescape(
        await refused.text())
    assert "Ray Ortiz" in members(client, MAN_UP)
    done = await post(client, "role", BRAG, csrf, name="grace kim", role="interrupter")
    assert done.status == 303
    assert "Grace Kim interrupter ***0141" in await shown(client)


async def test_a_member_who_is_not_a_supervisor_gets_a_403_page(client, slack):
    await sign_in(client, slack, LUIS)
    page = await client.get("/roster")
    assert page.status == 403
    assert "Only coordinators and team supervisors" in await page.text()
    assert "***0141" not in await page.text()  # nobody's number
    csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert csrf  # sign-out's form still carries it: a valid token is refused all the same
    response = await post(client, "remove", BRAG, csrf.group(1), name="Grace Kim")
    assert response.status == 403
    assert "Grace Kim" in members(client, BRAG)


async def test_a_wrong_phone_or_an_unknown_name_is_shown_with_what_was_typed(client, slack):
    await sign_in(client, slack, COORDINATOR)
    csrf = await csrf_of(client)
    bad = await post(client, "add", BRAG, csrf, name="Ana Diaz", phone="555", role="outreach")
    assert bad.status == 400
    text = await bad.text()
    assert 'phone "555" is not a valid number' in unescape(text)
    assert f'id="{BRAG}-add-name" name="name" type="text" value="Ana Diaz"' in text
    assert f'id="{BRAG}-add-phone" name="phone" type="tel" value="555"' in text
    assert "<option selected>outreach</option>" in text
    unknown = await post(client, "phone", BRAG, csrf, name="Nobody Here", phone=ANA)
    assert unknown.status == 400
    assert "Nobody called 'Nobody Here' in `brag-mott-haven`." in unescape(await unknown.text())
    assert "Ana Diaz" not in members(client, BRAG)


async def test_a_cover_is_listed_until_it_ends(client, slack):
    await sign_in(client, slack, COORDINATOR)
    response = await post(client, "cover", BRAG, await csrf_of(client), name="Grace",
                          other="Luis Feliz", until="8am")
    assert response.status == 303
    page = await shown(client)
    assert "Done: Grace Kim is on for Bronx Rises Against Gun Violence (Mott Haven) in place " \
        "of Luis Feliz until Sun" in page
    brag = page.split(f"(Mott Haven) {BRAG}")[1]
    covers = brag.split("Covers and time off now")[1].split("Latest changes")[0]
    assert re.search(r"Grace Kim is on in place of Luis Feliz until Sun \w{3} \d\d 08:00",
                     covers), covers
    assert re.search(r"Dana Reyes: cover Grace Kim in place of Luis Feliz until Sun", page)
    await eventually(lambda: any(o.name == "Grace Kim" for o in
                                 client.server.app[keys.SITES].sites.overrides),
                     "routing sees the cover", within=5)


async def test_shifts_are_changed_in_slacks_words(client, slack):
    await sign_in(client, slack, COORDINATOR)
    csrf = await csrf_of(client)
    done = await post(client, "shifts", MAN_UP, csrf, name="Andre Mills",
                      shifts="mon-fri 18:00-02:00; sat 12:00-20:00")
    assert done.status == 303
    assert "Andre Mills hospital ***0178 mon-fri 18:00-02:00; sat 12:00-20:00" in \
        await shown(client)
    wrong = await post(client, "shifts", MAN_UP, csrf, name="Andre Mills", shifts="whenever")
    assert wrong.status == 400 and 'value="whenever"' in await wrong.text()
