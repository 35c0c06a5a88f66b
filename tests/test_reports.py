"""Reports end to end: incidents posted to the real ingest API, answered by signed SMS, a takedown
plan sent by a real worker, then the numbers a program manager sees, from the dashboard's
handlers and from `cmsbot report` run as a process, on SQLite and on PostgreSQL."""

import asyncio
import csv
import io
import json
import re
import sys
from dataclasses import replace
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from bot.config.settings import SAMPLE_SITES
from bot.main.app import create_app
from tests.clock import NEW_YORK
from tests.conftest import API_TOKEN, STAFF_FROM
from tests.handlers.test_dashboard import COORDINATOR, RAY, sign_in
from tests.processes import clean_env
from tests.test_responses import BRONX, GRACE, LUIS

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
TEAM = "brag-mott-haven"
BAD_QUERIES = [("since=2026-13-01", "since"), ("until=tomorrow", "until"),
               ("since=2026-07-02&until=2026-07-01", "until"), ("team=" + "x" * 41, "team")]


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, settings):
    """Every test here on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return settings
    return replace(settings, database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
async def client(aiohttp_client, live_settings, port, clock, sample_sites):
    """The app over real HTTP, on the fake clock."""
    return await aiohttp_client(create_app(live_settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def sms(twilio, port):
    """Text the staff number as a member would (a signed Twilio webhook); the reply's text."""
    async def send(sender: str, body: str) -> str:
        status, text = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", sender,
                                                 STAFF_FROM, body)
        assert status == 200, text
        twiml = ElementTree.fromstring(text)  # noqa: S314 (our own app's answer, in a test)
        return next(m.text for m in twiml.iter("Message"))
    return send


@pytest.fixture
def month(clock):
    """The calendar month (New York) the test's incidents happen in: [first day, next first)."""
    first = clock().astimezone(NEW_YORK).date().replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


async def report_command(settings, *args: str) -> tuple[int, str, str]:
    """`cmsbot report ...` as a process, on the database the app wrote."""
    extra = {"CMSBOT_TIMEZONE": "America/New_York"}
    if settings.database_url:
        extra |= {"DATABASE_URL": settings.database_url, "CMSBOT_SITES": str(SAMPLE_SITES),
                  "CMSBOT_API_TOKEN": API_TOKEN}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "report", *args, env=clean_env(settings.home, **extra),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def post(client, work, clock, incident_id: str) -> None:
    """An incident that occurred five minutes ago arrives from the feed now."""
    occurred = (clock() - timedelta(minutes=5)).astimezone(NEW_YORK).isoformat()
    response = await client.post("/api/incidents", headers=AUTH,
                                 json={**BRONX, "id": incident_id, "occurred_at": occurred})
    assert response.status == 202, await response.text()
    await work()


async def a_month_of_work(client, work, clock, twilio, sms) -> None:
    """Two shootings for Bronx Rises Against Gun Violence and a takedown plan, answered by text:

    NYPD-1 acknowledged after 4 minutes, on scene after 20, closed as mediated; NYPD-2
    acknowledged after 12 minutes and left open, its 24-hour follow-up answered by a note;
    the takedown's first reminder confirmed, its second (the next morning) not.
    """
    await post(client, work, clock, "NYPD-1")
    clock.advance(timedelta(minutes=4))
    assert (await sms(LUIS, "1A")).startswith("CMS: #1 acknowledged")
    await post(client, work, clock, "NYPD-2")
    clock.advance(timedelta(minutes=12))
    assert (await sms(GRACE, "2A")).startswith("CMS: #2 acknowledged")
    clock.advance(timedelta(minutes=4))
    assert "on scene" in (await sms(LUIS, "1S"))
    assert "closed (mediated)" in (await sms(LUIS, "1C mediated"))
    made = await client.post("/api/takedowns", headers=AUTH, json={
        "area": TEAM, "date": "today", "confirm_past": True, "created_by": "Dana Reyes"})
    assert made.status == 201, await made.text()
    await work()
    reminder = next(m.body for m in twilio.sent_to(LUIS) if m.body.startswith("CMS TAKEDOWN"))
    number = re.match(r"CMS TAKEDOWN #(\d+)", reminder)[1]
    assert "confirmed" in (await sms(LUIS, f"{number}A"))
    clock.advance(timedelta(hours=24))
    await work()  # the plan's day-1 reminder (Sunday 10:00)
    clock.set_local(2, 10, 0)
    await work()  # NYPD-2's 24h check-in: due Sunday night, sent at Monday's opening
    checkin = [m.body for m in twilio.sent_to(GRACE) if m.body.startswith("CMS FOLLOW-UP")]
    assert checkin and checkin[0].startswith("CMS FOLLOW-UP #2 (24h)")
    assert (await sms(GRACE, "2N all calm on the block")) == "CMS: note added to #2."


EXPECTED = {
    "team": TEAM, "incidents": 2,
    "ack_median_min": 8.0, "ack_p90_min": 11.2, "acked_10min_pct": 50.0,
    "scene_median_min": 20.0, "scene_p90_min": 20.0,
    "mediated": 1, "hospital_visit": 0, "referred": 0, "no_contact": 0, "other": 0, "still_open": 1,
    "followups_due": 1, "followups_done": 1,  # NYPD-1 closed before its follow-ups were due
    "takedowns": 1, "takedown_steps_sent": 2, "takedown_steps_answered": 1,
}


async def test_the_dashboard_report_shows_what_the_teams_did_this_month(client, work, clock,
                                                                        twilio, sms, month, slack):
    await a_month_of_work(client, work, clock, twilio, sms)
    since, until = month
    await sign_in(client, slack, COORDINATOR)  # a session lasts 12 hours: the month took longer
    response = await client.get(f"/dashboard/api/report?since={since}&until={until}")
    assert response.status == 200
    body = await response.json()
    assert (body["since"], body["until"]) == (since.isoformat(), until.isoformat())
    assert body["rows"] == [{**EXPECTED, "month": since.strftime("%Y-%m")}]
    other_team = await client.get(f"/dashboard/api/report?since={since}&until={until}&team=man-up-eny")
    assert (await other_team.json())["rows"] == []


async def test_the_report_downloads_as_a_csv_named_for_its_window(client, work, clock, twilio,
                                                                   sms, month, slack):
    await a_month_of_work(client, work, clock, twilio, sms)
    since, until = month
    await sign_in(client, slack, COORDINATOR)
    response = await client.get(f"/dashboard/api/report.csv?since={since}&until={until}&team={TEAM}")
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="cmsbot-report-{since}-{until}.csv"'
    (row,) = list(csv.DictReader(io.StringIO(await response.text(), newline="")))
    assert (row["team"], row["ack_median_min"], row["acked_10min_pct"], row["mediated"]) == \
        (TEAM, "8.0", "50.0", "1")


async def test_the_report_defaults_to_a_year_of_months_up_to_today(client, clock, slack):
    await sign_in(client, slack, COORDINATOR)
    today = clock().astimezone(NEW_YORK).date()
    body = await (await client.get("/dashboard/api/report")).json()
    assert date.fromisoformat(body["until"]) == today + timedelta(days=1)
    first = date.fromisoformat(body["since"])
    assert first.day == 1 and (today.year * 12 + today.month) - (first.year * 12 + first.month) == 11
    assert body["rows"] == []


async def test_a_member_sees_their_own_teams_rows_only(client, work, clock, twilio, sms, month,
                                                      slack):
    await a_month_of_work(client, work, clock, twilio, sms)
    since, until = month
    await sign_in(client, slack, RAY)  # Man Up! East New York, not the Mott Haven team
    for team in ("", f"&team={TEAM}"):
        body = await (await client.get(f"/dashboard/api/report?since={since}&until={until}{team}")).json()
        assert body["rows"] == []


async def test_the_report_needs_a_session(client):
    for path in ("/dashboard/api/report", "/dashboard/api/report.csv"):
        assert (await client.get(path)).status == 401


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
async def test_a_bad_query_is_a_400_naming_the_field(client, query, field, slack):
    await sign_in(client, slack, COORDINATOR)
    for path in ("/dashboard/api/report", "/dashboard/api/report.csv"):
        response = await client.get(f"{path}?{query}")
        assert response.status == 400
        assert (await response.json())["field"] == field


async def test_the_command_prints_the_same_numbers_as_a_table_csv_and_json(
        client, work, clock, twilio, sms, month, live_settings):
    await a_month_of_work(client, work, clock, twilio, sms)
    window = ("--since", month[0].isoformat(), "--until", month[1].isoformat())

    code, out, err = await report_command(live_settings, *window, "--format", "json")
    assert (code, err) == (0, "")
    # The command counts follow-ups due by the wall clock, and this test's clock runs days
    # ahead of it: NYPD-2's check-in is not due yet as the command sees it.
    assert json.loads(out) == [{**EXPECTED, "month": month[0].strftime("%Y-%m"),
                                "followups_due": 0, "followups_done": 0}]

    code, out, _ = await report_command(live_settings, *window, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [(r["team"], r["incidents"], r["ack_p90_min"], r["takedown_steps_answered"])
            for r in rows] == [(TEAM, "2", "11.2", "1")]

    code, out, _ = await report_command(live_settings, *window, "--team", TEAM)
    header, line = out.splitlines()
    assert code == 0 and header.split()[:4] == ["team", "month", "incidents", "ack_median_min"]
    assert line.split()[:6] == [TEAM, month[0].strftime("%Y-%m"), "2", "8.0", "11.2", "50.0"]


async def test_the_command_on_an_empty_database_says_so_in_every_format(settings):
    window = ("--since", "2026-01-01", "--until", "2026-02-01")
    code, out, _ = await report_command(settings, *window)
    assert (code, out) == (0, "no incidents between 2026-01-01 and 2026-01-31\n")
    code, out, _ = await report_command(settings, *window, "--team", TEAM)
    assert out == f"no incidents for {TEAM} between 2026-01-01 and 2026-01-31\n"
    code, out, _ = await report_command(settings, *window, "--format", "csv")
    assert code == 0 and out.splitlines() == [out.splitlines()[0]]
    assert out.startswith("team,month,incidents,ack_median_min,")
    code, out, _ = await report_command(settings, *window, "--format", "json")
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.parametrize(("args", "says"), [
    (("--since", "2026-02-30"), "--since: '2026-02-30' is not a date; write YYYY-MM-DD"),
    (("--until", "next week"), "--until: 'next week' is not a date; write YYYY-MM-DD"),
    (("--since", "2026-03-01", "--until", "2026-03-01"), "--until 2026-03-01 must be after --since"),
    (("--format", "xml"), "argument --format: invalid choice: 'xml'"),
])
async def test_the_command_refuses_bad_input_naming_the_flag(settings, args, says):
    code, out, err = await report_command(settings, *args)
    assert (code, out) == (2, "")
    assert says in err
