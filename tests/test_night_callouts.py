"""Night call-outs per member and month, end to end on SQLite and PostgreSQL: shootings posted
to the ingest API at night and at noon, pages sent by a real worker, then the numbers from the
dashboard's report API and from `cmsbot report --by member` run as a process. Names only."""

import csv
import io
import json
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.clock import NEW_YORK
from tests.handlers.test_dashboard import COORDINATOR, RAY, sign_in
from tests.test_reports import TEAM, report_command
from tests.test_responses import AUTH, BRONX, GRACE, LUIS


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, settings):
    """Every test here on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return settings
    return replace(settings, database_url=request.getfixturevalue("postgres_url"))


async def shooting(client, work, clock, incident_id: str) -> str:
    """A shooting in the Mott Haven catchment, a minute ago; the month (city time) it paged in."""
    occurred = (clock() - timedelta(minutes=1)).astimezone(NEW_YORK).isoformat()
    response = await client.post("/api/incidents", headers=AUTH,
                                 json={**BRONX, "id": incident_id, "occurred_at": occurred})
    assert response.status == 202, await response.text()
    await work()
    return clock().astimezone(NEW_YORK).strftime("%Y-%m")


async def two_nights_and_a_noon(client, work, clock) -> tuple[list[dict], tuple[str, str]]:
    """Saturday 23:20 (unanswered: its repage calls at 23:24), 23:50, then Sunday noon. What
    Luis's and Grace's rows must say (a month boundary may fall in between), and the window."""
    months = [await shooting(client, work, clock, "NYPD-1")]
    clock.advance(timedelta(minutes=4))
    await work()  # the repage calls: the same call-out as the alert they follow
    clock.advance(timedelta(minutes=26))
    months.append(await shooting(client, work, clock, "NYPD-2"))
    clock.set_local(1, 12, 0)
    await work()
    months.append(await shooting(client, work, clock, "NYPD-3"))
    callouts, nights = Counter(months), Counter(months[:2])
    expected = [{"team": TEAM, "month": month, "member": name, "callouts": callouts[month],
                 "night_callouts": nights[month]}
                for month in sorted(callouts) for name in ("Grace Kim", "Luis Feliz")]
    first = clock.start.astimezone(NEW_YORK).date().replace(day=1)
    last = clock().astimezone(NEW_YORK).date().replace(day=1)
    return expected, (first.isoformat(), (last + timedelta(days=32)).replace(day=1).isoformat())


def theirs(rows):
    return [row for row in rows if row["member"] in ("Grace Kim", "Luis Feliz")]


async def test_the_dashboard_report_counts_each_members_night_call_outs_per_month(
        client, work, clock, twilio, slack):
    expected, (since, until) = await two_nights_and_a_noon(client, work, clock)
    # Both night alerts' repage calls reached him (the second's at noon): each counts once.
    assert len(twilio.calls_to(LUIS)) == 2
    await sign_in(client, slack, COORDINATOR)
    response = await client.get(f"/dashboard/api/report?since={since}&until={until}")
    body = await response.json()
    assert theirs(body["members"]) == expected
    assert sum(row["night_callouts"] for row in theirs(body["members"])) == 4  # 2 each
    assert LUIS[-4:] not in json.dumps(body["members"]) and GRACE[-4:] not in json.dumps(body)

    download = await client.get(f"/dashboard/api/report.csv?since={since}&until={until}&by=member")
    assert download.headers["Content-Disposition"] == \
        f'attachment; filename="cmsbot-report-members-{since}-{until}.csv"'
    rows = list(csv.DictReader(io.StringIO(await download.text(), newline="")))
    assert [(r["member"], r["night_callouts"]) for r in theirs(rows)] == \
        [(r["member"], str(r["night_callouts"])) for r in expected]


async def test_a_member_sees_no_other_teams_members(client, work, clock, slack):
    _, (since, until) = await two_nights_and_a_noon(client, work, clock)
    await sign_in(client, slack, RAY)  # Man Up! East New York
    body = await (await client.get(f"/dashboard/api/report?since={since}&until={until}")).json()
    assert body["members"] == []


async def test_the_command_prints_night_call_outs_per_member_as_json_csv_and_a_table(
        client, work, clock, live_settings):
    expected, (since, until) = await two_nights_and_a_noon(client, work, clock)
    window = ("--since", since, "--until", until, "--by", "member")

    code, out, err = await report_command(live_settings, *window, "--format", "json")
    assert (code, err) == (0, "")
    assert theirs(json.loads(out)) == expected

    code, out, _ = await report_command(live_settings, *window, "--format", "csv", "--team", TEAM)
    assert code == 0 and out.startswith("team,month,member,callouts,night_callouts\r\n")
    assert LUIS[-4:] not in out

    code, out, _ = await report_command(live_settings, *window)
    header, *lines = out.splitlines()
    assert header.split() == ["team", "month", "member", "callouts", "night_callouts"]
    luis = [line.split() for line in lines if "Luis Feliz" in line]
    assert [(words[-2], words[-1]) for words in luis] == \
        [(str(r["callouts"]), str(r["night_callouts"])) for r in expected
         if r["member"] == "Luis Feliz"]
