"""The roster in the database, end to end: a change made there (as `cmsbot roster import
--apply` makes it) reaches the running web process and the workers without a restart, the
next alert follows it, and a number that never said YES gets no alert's details."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from alerts.overrides import current
from alerts.roster import RosterChange, member_record, roster_changes, roster_of
from alerts.sites import Member
from bot.queue.connection import connect
from bot.queue.handoff import Work, hand_off
from bot.services.roster_edits import apply_roster_changes
from bot.store import roster as store
from bot.store.engine import open_engine
from bot.store.schema import roster_changes_log
from handlers import keys
from tests import test_responses as responses
from tests.polling import eventually
from tests.test_responses import BRONX, LUIS, VICTOR, sms  # noqa: F401 (sms: a fixture)
from tests.test_slack import cms  # noqa: F401 (the signed /cms of the Slack tests)

AT = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
ANA = "+13475550155"
ANA_RECORD = member_record(Member("Ana Diaz", ANA, "interrupter"))


@pytest.fixture
def live_settings(live_settings, any_settings):
    """The web process and the workers on SQLite and on PostgreSQL in turn."""
    return replace(live_settings, database_url=any_settings.database_url)


async def change(settings, clock, *changes, client=None):
    """Change the roster as `cmsbot roster import --apply` does (consent texts included)."""
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with engine.begin() as conn:
            sites = client.server.app[keys.SITES].sites if client else None
            if sites is None:
                return await store.apply(conn, list(changes), clock(), "Dana Reyes")
            sends = await apply_roster_changes(conn, sites, list(changes), "Dana Reyes",
                                               clock())
        connection = connect(settings.redis_url)
        await hand_off(connection, Work(sends=sends), clock())
        connection.close()
        return sends
    finally:
        await engine.dispose()


def brag(client):
    return client.server.app[keys.SITES].sites.team("brag-mott-haven")


async def test_a_member_added_in_the_database_is_paged_by_the_next_alert_without_their_details(
        client, work, twilio, live_settings, clock, sms):  # noqa: F811
    await change(live_settings, clock,
                 RosterChange("add", "brag-mott-haven", "Ana Diaz", None, ANA_RECORD),
                 client=client)
    await eventually(lambda: any(m.name == "Ana Diaz" for m in brag(client).members),
                     "the web process reads the new member", within=5)
    await responses.alert(client, work)
    ana = sorted(responses.bodies(twilio, ANA))  # the alert's queue goes first
    assert ana == ["CMS alert for Bronx Rises Against Gun Violence (Mott Haven): call your "
                   "supervisor. Reply YES to receive CMS alerts from Bronx Rises Against Gun "
                   "Violence (Mott Haven).", "Reply YES to receive CMS alerts from Bronx Rises Against "
                   "Gun Violence (Mott Haven)."]
    assert "WILLIS" in responses.bodies(twilio, LUIS)[0]  # the others get the alert itself

    status, reply = await sms(ANA, "yes")
    assert status == 200 and reply == ("CMS: thank you. This number now receives CMS alerts "
                                       "from Bronx Rises Against Gun Violence (Mott Haven).")
    await eventually(lambda: all(m.verified for m in brag(client).members),
                     "the web process reads the YES", within=5)
    await responses.alert(client, work, dict(BRONX, id="NYPD-2"))
    assert "WILLIS" in responses.bodies(twilio, ANA)[-1]


async def test_a_member_removed_in_the_database_is_not_paged(client, work, twilio, live_settings,
                                                             clock):
    luis = member_record(next(m for m in brag(client).members if m.phone == LUIS))
    await change(live_settings, clock,
                 RosterChange("remove", "brag-mott-haven", "Luis Feliz", luis, None))
    await eventually(lambda: all(m.phone != LUIS for m in brag(client).members),
                     "the web process drops Luis", within=5)
    await responses.alert(client, work)
    assert responses.bodies(twilio, LUIS) == []


async def test_a_changed_phone_is_paged_at_the_new_number_only_after_it_says_yes(
        client, work, twilio, live_settings, clock, sms):  # noqa: F811
    luis = member_record(next(m for m in brag(client).members if m.phone == LUIS))
    await change(live_settings, clock, RosterChange("change", "brag-mott-haven", "Luis Feliz",
                                                    luis, dict(luis, phone=ANA)))
    await eventually(lambda: any(m.phone == ANA for m in brag(client).members),
                     "the web process reads the new number", within=5)
    await responses.alert(client, work)
    assert responses.bodies(twilio, LUIS) == []
    assert "WILLIS" not in responses.bodies(twilio, ANA)[0]


async def test_the_sites_file_seeds_the_roster_once_and_every_change_is_audited(engine,
                                                                                sample_sites):
    sites = sample_sites.sites
    team_ids = [team.id for team in sites.teams]
    async with engine.begin() as conn:
        assert await store.seed(conn, roster_of(sites), AT)
        assert not await store.seed(conn, roster_of(sites), AT)  # a second process
        stored = await store.read_roster(conn, team_ids)
    assert stored is not None and stored.revision == 1
    assert roster_changes(stored.roster, roster_of(sites)) == []  # the file's roster, whole
    ana = RosterChange("add", "brag-mott-haven", "Ana Diaz", None, ANA_RECORD)
    async with engine.begin() as conn:
        assert await store.apply(conn, [ana], AT, "Dana Reyes") == 2
        logged = await store.change_log(conn, "brag-mott-haven", limit=1)
        seeded = len((await conn.execute(select(roster_changes_log))).all())
        stored = await store.read_roster(conn, team_ids)
    assert logged[0].actor == "Dana Reyes" and logged[0].change == ana
    assert seeded == sum(len(team.members) for team in sites.teams) + len(sites.coordinators) + 1
    assert stored is not None
    added = stored.roster.member("brag-mott-haven", "ana diaz")
    assert added is not None and not added.verified  # a new number waits for its YES
    assert roster_changes(replace(roster_of(sites)), stored.roster) == [ana]


async def test_the_roster_shows_who_is_unverified_and_who_changed_what(
        client, live_settings, clock, cms):  # noqa: F811
    await change(live_settings, clock,
                 RosterChange("add", "brag-mott-haven", "Ana Diaz", None, ANA_RECORD))
    await eventually(lambda: any(m.name == "Ana Diaz" for m in brag(client).members),
                     "the web process reads the new member", within=5)
    shown = await cms("roster brag-mott-haven")
    assert "Ana Diaz, interrupter, ***0155: on shift, UNVERIFIED (no YES yet" in shown
    assert "*Recent changes*" in shown and "Dana Reyes: add brag-mott-haven/Ana Diaz" in shown
    assert "0155" not in shown.split("*Recent changes*")[1]


async def test_an_update_and_a_call_never_carry_details_to_a_number_without_yes(
        client, work, twilio, live_settings, clock):
    await change(live_settings, clock,
                 RosterChange("add", "brag-mott-haven", "Ana Diaz", None, ANA_RECORD))
    await eventually(lambda: any(m.name == "Ana Diaz" for m in brag(client).members),
                     "the web process reads the new member", within=5)
    await responses.alert(client, work)
    response = await client.patch("/api/incidents/NYPD-1", json={"fatal": True},
                                  headers=responses.AUTH)
    assert response.status == 200, await response.text()
    clock.advance(timedelta(minutes=4))  # past the repage, which calls who has not answered
    await work()
    assert "FATAL" in responses.bodies(twilio, LUIS)[-1]
    ana = responses.bodies(twilio, ANA)
    assert len(ana) == 2 and all(body.startswith("CMS alert for Bronx Rises") for body in ana)
    assert twilio.calls_to(ANA) == [] and len(twilio.calls_to(LUIS)) == 1


async def test_off_keeps_a_member_from_alerts_until_on_and_their_supervisor_is_told(
        client, work, twilio, sms, clock):  # noqa: F811
    status, reply = await sms(LUIS, "OFF 3d")
    assert status == 200 and reply.startswith("CMS: you are OFF until ")
    await eventually(lambda: client.server.app[keys.SITES].sites.overrides,
                     "the web process reads the time off", within=5)
    await responses.alert(client, work)
    assert responses.bodies(twilio, LUIS) == []
    assert responses.bodies(twilio, VICTOR)[0].startswith("CMS: Luis Feliz (Bronx Rises")
    assert "is OFF until" in responses.bodies(twilio, VICTOR)[0]

    status, reply = await sms(LUIS, "on")
    assert reply == "CMS: you are back ON: alerts reach you on your shifts again."
    await eventually(lambda: not current(client.server.app[keys.SITES].sites.overrides, None,
                                         clock()), "the web process reads the ON", within=5)
    await responses.alert(client, work, dict(BRONX, id="NYPD-2"))
    assert "WILLIS" in responses.bodies(twilio, LUIS)[0]
    assert "back ON" in responses.bodies(twilio, VICTOR)[-1]


async def test_a_bad_off_is_answered_with_the_forms_and_changes_nothing(client, sms):  # noqa: F811
    status, reply = await sms(LUIS, "OFF until blah")
    assert status == 200 and "OFF until 8am" in reply
    assert client.server.app[keys.SITES].sites.overrides == ()


async def test_a_supervisor_onboards_a_member_from_slack_and_the_next_alert_follows(
        client, work, twilio, cms):  # noqa: F811
    answer = await cms('member add brag-mott-haven "Ana Diaz" +1 347 555 0155 interrupter',
                       user="U0VICTOR")
    assert answer.startswith("Done: add brag-mott-haven/Ana Diaz (by Victor Adeyemi).")
    assert "Only coordinators" in await cms(
        'member add man-up-eny "Ana Diaz" +13475550155 interrupter', user="U0VICTOR")
    await eventually(lambda: any(m.name == "Ana Diaz" for m in brag(client).members),
                     "the web process reads the new member", within=5)
    await responses.alert(client, work)
    assert any(body.startswith("Reply YES") for body in responses.bodies(twilio, ANA))
    assert "Victor Adeyemi: add brag-mott-haven/Ana Diaz" in await cms(
        "roster brag-mott-haven changes", user="U0VICTOR")


async def test_a_cover_puts_someone_on_in_place_of_a_sick_call_until_it_ends(
        client, work, twilio, cms):  # noqa: F811
    answer = await cms("cover brag-mott-haven Victor for Luis until 8am")
    assert answer.startswith("Done: Victor Adeyemi is on for Bronx Rises")
    assert "in place of Luis Feliz" in answer
    await eventually(lambda: client.server.app[keys.SITES].sites.overrides,
                     "the web process reads the cover", within=5)
    for shown in (await cms("roster brag-mott-haven"), await cms("oncall brag-mott-haven")):
        assert "Victor Adeyemi on in place of Luis Feliz (brag-mott-haven) until Sun" in shown
    await responses.alert(client, work)
    assert responses.bodies(twilio, LUIS) == []
    assert "WILLIS" in responses.bodies(twilio, VICTOR)[0]  # paged first, not at escalation


async def test_a_cover_ending_in_the_past_is_refused_and_changes_nothing(client, cms):  # noqa: F811
    answer = await cms("cover brag-mott-haven Victor for Luis until today 8am")
    assert answer == "Today 08:00 has passed; say a time still to come."
    assert "in place of" not in await cms("oncall brag-mott-haven")
