"""Reports: the stored facts of a window, turned into per-team and per-member monthly rows."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.night_callouts import MemberMonth, member_rows
from alerts.reports import ReportRow, report_rows, window_bounds
from bot.store.reports import callout_facts, incident_facts, takedown_facts


async def build_report(engine: AsyncEngine, tz: tzinfo, since: date, until: date, *,
                       now: datetime, team: str | None = None) -> list[ReportRow]:
    """Rows for the local days [since, until) as of `now`, for every team or only `team`."""
    start, end = window_bounds(since, until, tz)
    async with engine.connect() as conn:
        incidents = await incident_facts(conn, start, end, team)
        plans = await takedown_facts(conn, since, until, team)
    return report_rows(incidents, plans, tz, now)


async def build_member_report(engine: AsyncEngine, tz: tzinfo, since: date, until: date, *,
                              team: str | None = None) -> list[MemberMonth]:
    """Call-outs and night call-outs per member and month for the local days [since, until)."""
    start, end = window_bounds(since, until, tz)
    async with engine.connect() as conn:
        return member_rows(await callout_facts(conn, start, end, team), tz)
