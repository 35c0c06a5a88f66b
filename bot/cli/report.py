"""`cmsbot report`: response times, outcomes, follow-ups and takedown outreach per team and month;
with `--by member`, each member's call-outs and night call-outs per month."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, timedelta

from alerts.night_callouts import members_text
from alerts.reports import (
    ReportError,
    ReportRow,
    as_csv,
    as_json,
    as_table,
    report_window,
)
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.services.reports import build_member_report, build_report
from bot.store.engine import open_engine
from bot.store.migrate import prepare_database


def render(rows: list[ReportRow], fmt: str, since: date, until: date, team: str | None) -> str:
    """The report as the chosen format prints it; a table of nothing says so."""
    if fmt == "csv":
        return as_csv(rows)
    if fmt == "json":
        return json.dumps(as_json(rows), indent=2) + "\n"
    if not rows:
        last = (until - timedelta(days=1)).isoformat()
        whose = f" for {team}" if team else ""
        return f"no incidents{whose} between {since.isoformat()} and {last}\n"
    return as_table(rows)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The `cmsbot report` command."""
    now = utcnow()
    try:
        since, until = report_window(args.since, args.until, now.astimezone(settings.tz).date(),
                                     ("--since", "--until"))
    except ReportError as exc:
        print(f"cmsbot report: {exc}", file=sys.stderr)
        return 2

    async def main() -> str:
        await prepare_database(settings)
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        try:
            if args.by == "member":
                members = await build_member_report(engine, settings.tz, since, until,
                                                    team=args.team)
                return members_text(members, args.format)
            rows = await build_report(engine, settings.tz, since, until, now=now, team=args.team)
            return render(rows, args.format, since, until, args.team)
        finally:
            await engine.dispose()

    sys.stdout.write(asyncio.run(main()))
    return 0
