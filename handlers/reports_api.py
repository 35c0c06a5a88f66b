"""The report for the dashboard, as JSON or as a CSV download, for a signed-in viewer.

Query: `since` and `until` (YYYY-MM-DD, until not included; a year of months up to today by
default) and `team` (one team's rows only). Coordinators see every team; a member sees their
own teams' rows (another team asked for by name gives no rows, as an unknown one does).
"""

from __future__ import annotations

from datetime import date

from aiohttp import web

from alerts.reports import ReportError, ReportRow, as_csv, as_json, report_window
from bot.services.reports import build_report
from handlers import keys
from handlers.dashboard_auth import Viewer, viewer
from handlers.http import error, json_response

MAX_TEAM_ID = 40  # incident_teams.team_id


async def get_report(request: web.Request) -> web.Response:
    """{"since", "until", "rows": [...]}: one row per team and month."""
    since, until, rows = await _report(request, await viewer(request))
    return json_response({"since": since.isoformat(), "until": until.isoformat(),
                          "rows": as_json(rows)})


async def get_report_csv(request: web.Request) -> web.Response:
    """The same rows as a CSV attachment named for its window."""
    since, until, rows = await _report(request, await viewer(request))
    name = f"cmsbot-report-{since.isoformat()}-{until.isoformat()}.csv"
    return web.Response(text=as_csv(rows), content_type="text/csv", charset="utf-8",
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
