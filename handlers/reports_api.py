"""The report for the dashboard, as JSON or as a CSV download, for a signed-in viewer.

Query: `since` and `until` (YYYY-MM-DD, until not included; a year of months up to today by
default) and `team` (one team's rows only). Coordinators see every team; a member sees their
own teams' rows (another team asked for by name gives no rows, as an unknown one does). The
JSON also holds `members`: call-outs and night call-outs per member and month
(alerts.night_callouts), names only; the CSV gives those rows with `by=member`.
"""

from __future__ import annotations

from datetime import date

from aiohttp import web

from alerts.night_callouts import MemberMonth, members_csv, members_json
from alerts.reports import ReportError, ReportRow, as_csv, as_json, report_window
from bot.services.reports import build_member_report, build_report
from handlers import keys
from handlers.dashboard_auth import Viewer, viewer
from handlers.http import error, json_response

MAX_TEAM_ID = 40  # incident_teams.team_id


async def get_report(request: web.Request) -> web.Response:
    """{"since", "until", "rows": [...], "members": [...]}: one row per team and month, and
    one per member and month."""
    who = await viewer(request)
    since, until, rows = await _report(request, who)
    members = await _members(request, who, since, until)
    return json_response({"since": since.isoformat(), "until": until.isoformat(),
                          "rows": as_json(rows), "members": members_json(members)})


async def get_report_csv(request: web.Request) -> web.Response:
    """The same rows as a CSV attachment named for its window (`by=member`: the members')."""
    who = await viewer(request)
    since, until, rows = await _report(request, who)
    by_member = request.query.get("by") == "member"
    text = members_csv(await _members(request, who, since, until)) if by_member \
        else as_csv(rows)
    name = f"cmsbot-report-{'members-' if by_member else ''}{since.isoformat()}-{until.isoformat()}.csv"
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


async def _report(request: web.Request, who: Viewer) -> tuple[date, date, list[ReportRow]]:
    now = request.app[keys.CLOCK]()
    tz = request.app[keys.SITES].sites.tz
    query = request.query
    team = query.get("team") or None
    try:
        since, until = report_window(query.get("since"), query.get("until"),
                                     now.astimezone(tz).date())
    except ReportError as exc:
        error(web.HTTPBadRequest, str(exc), field=exc.field)
    if team is not None and (len(team) > MAX_TEAM_ID or not team.isprintable()):
        error(web.HTTPBadRequest, "team: not a team id", field="team")
    rows = await build_report(request.app[keys.ENGINE], tz, since, until, now=now, team=team)
    return since, until, [row for row in rows if who.sees([row.team])]


async def _members(request: web.Request, who: Viewer, since: date,
                   until: date) -> list[MemberMonth]:
    # The window and team were checked by _report, from the same query.
    rows = await build_member_report(request.app[keys.ENGINE], request.app[keys.SITES].sites.tz,
                                     since, until, team=request.query.get("team") or None)
    return [row for row in rows if who.sees([row.team])]
