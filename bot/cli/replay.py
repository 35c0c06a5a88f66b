"""`cmsbot replay`: feed NYPD Shooting Incident Data CSVs through the ingest path.

The rows (one per victim) are grouped into incidents, then each goes through the same path as
a live feed: in this process through `Ingest`, or over HTTP to a running cmsbot with `--url`.
Nothing is skipped silently: every row ends in an incident or in the "rejected" list.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import aiohttp

from alerts.durations import format_duration
from alerts.freshness import PAGE_WITHIN, judge
from alerts.incident import IncidentError, parse_incident
from alerts.linking import RADIUS_M as LINK_RADIUS_M
from alerts.linking import WINDOW as LINK_WINDOW
from alerts.linking import distance_m
from alerts.nypd import NypdIncident, RowProblem, group_rows
from alerts.routing import route
from bot.config import logs
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import load_sites
from bot.queue.connection import connect, redis_url
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.services.ingest import Ingest, IngestOutcome
from bot.services.live_sites import LiveSites
from bot.store.engine import open_engine
from bot.store.migrate import prepare_database

# Incidents in flight at once by default: enough to keep one web process busy, few enough
# that a replay never crowds out live traffic for long.
CONCURRENCY = 8
# Sends one incident payload and says what became of it.
Sink = Callable[[dict[str, object]], Awaitable[IngestOutcome]]


@dataclass
class Summary:
    """What a replay did, for the progress line and the final report."""

    rows: int = 0
    incidents: int = 0
    routed: int = 0
    unrouted: int = 0
    duplicates: int = 0
    paged: int = 0
    stale: int = 0
    deliveries: int = 0  # made by this run: an incident already known sends nothing again
    teams: Counter[str] = field(default_factory=Counter)
    rejected: list[str] = field(default_factory=list)
    page_within: timedelta = PAGE_WITHIN  # what "stale" means, for the report

    def count(self, outcome: IngestOutcome) -> None:
        """Add one ingested incident."""
        self.incidents += 1
        if outcome.duplicate:
            self.duplicates += 1
        else:
            self.deliveries += outcome.deliveries
            self.paged += outcome.paged
            self.stale += outcome.reason == "stale"
        if outcome.teams:
            self.routed += 1
            self.teams.update(outcome.teams)
        else:
            self.unrouted += 1


def read_csv(path: Path) -> tuple[list[NypdIncident], list[RowProblem], int]:
    """Group the file's rows into incidents; return them, the problem rows and the row count."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [(line, row) for line, row in enumerate(reader, start=2)]
    incidents, problems = group_rows(rows)
    return incidents, problems, len(rows)


async def replay(incidents: list[NypdIncident], sink: Sink, summary: Summary, speed: float,
                 progress: Callable[[Summary, int], None], concurrency: int = 1) -> None:
    """Send incidents in order, paced by their original gaps divided by `speed` (0: no pacing),
    up to `concurrency` at a time.

    An incident that could be linked to one still in flight (close in time and place) waits
    for it: each incident then finds every earlier one it could link to stored, as it would
    one at a time. Short numbers follow the order the server commits in, as live posts do.
    """
    started, first = time.monotonic(), incidents[0].occurred_at if incidents else None
    flying: dict[asyncio.Task[IngestOutcome], NypdIncident] = {}

    async def settle(block: bool) -> None:
        done, _ = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED if block
                                     else asyncio.ALL_COMPLETED)
        for task in done:
            incident = flying.pop(task)
            try:
                summary.count(task.result())
            except IncidentError as exc:
                summary.rejected.append(f"{incident.key} (lines {_lines(incident)}): {exc}")
            progress(summary, len(incidents))

    try:
        for incident in incidents:
            if speed > 0 and first is not None:
                due = started + (incident.occurred_at - first).total_seconds() / speed
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            while flying and (len(flying) >= max(concurrency, 1)
                              or any(_may_link(incident, other) for other in flying.values())):
                await settle(block=True)
            flying[asyncio.create_task(_send(sink, incident))] = incident
        while flying:
            await settle(block=False)
    finally:
        # Something unexpected failed: stop the rest rather than leave them running unseen.
        for task in flying:
            task.cancel()
        if flying:
            await asyncio.wait(flying)


async def _send(sink: Sink, incident: NypdIncident) -> IngestOutcome:
    # A coroutine of its own: a sink that refuses the payload at once fails this task only.
    return await sink(incident.to_json())


def _may_link(one: NypdIncident, other: NypdIncident) -> bool:
    """Whether the two could be linked as possible retaliation (generously: never too few)."""
    if one.lat is None or one.lon is None or other.lat is None or other.lon is None:
        return False
    if abs(one.occurred_at - other.occurred_at) > LINK_WINDOW + timedelta(minutes=1):
        return False
    return distance_m(one.lat, one.lon, other.lat, other.lon) <= LINK_RADIUS_M + 10


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The `cmsbot replay` command."""
    logs.configure(settings.log_format, level=30, tz_name=settings.timezone)
    if not args.dry_run and not args.url and not args.yes and (
            settings.uses_twilio or settings.uses_slack):
        print("cmsbot: this replay would page real people through Twilio/Slack for its recent "
              "incidents; use --dry-run, or --yes if that is really meant", file=sys.stderr)
        return 2
    try:
        incidents, problems, rows = read_csv(args.file)
    except (OSError, ValueError, csv.Error) as exc:  # csv.Error: a field past its limit
        print(f"cmsbot: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    if args.limit is not None:
        incidents = incidents[: max(args.limit, 0)]
    summary = Summary(rows=rows, rejected=[f"line {p.line}: {p.reason}" for p in problems],
                      page_within=settings.page_within)
    print(f"{args.file}: {rows} rows, {len(incidents)} incidents to replay"
          + (f", {len(problems)} rows rejected" if problems else ""))
    asyncio.run(_run(args, settings, incidents, summary))
    report(summary, sys.stdout)
    # Every row refused is a file or a format that is wrong, not a replay that went well.
    return 1 if summary.rejected and not summary.incidents else 0


async def _run(args: argparse.Namespace, settings: Settings, incidents: list[NypdIncident],
               summary: Summary) -> None:
    opener = _http_sink(args.url, settings) if args.url else _local_sink(settings, args.dry_run)
    async with opener as sink:
        concurrency = getattr(args, "concurrency", None) or CONCURRENCY
        chosen = _paging_all(sink) if getattr(args, "page", False) else sink
        await replay(incidents, chosen, summary, args.speed, _printer(), concurrency)


def _paging_all(sink: Sink) -> Sink:
    """The sink with `"page": true` in every payload, as a feed asks for it over HTTP."""
    return lambda payload: sink({**payload, "page": True})


@asynccontextmanager
async def _local_sink(settings: Settings, dry_run: bool) -> AsyncIterator[Sink]:
    loaded = load_sites(settings.sites_path, settings.timezone)
    if dry_run:
        async def route_only(payload: dict[str, object]) -> IngestOutcome:
            incident = parse_incident(payload, loaded.sites.incident_types)
            now = utcnow()
            paging = judge(incident.occurred_at, now, settings.page_within,
                           force=payload.get("page") is True)
            plan = route(incident, loaded.sites, now)
            sends = len(plan.recipients) + len(plan.posts) if paging.paged else 0
            return IngestOutcome(incident.id, "dry-run", plan.team_ids, sends, False,
                                 paging.paged, paging.reason)
        yield route_only
        return
    await prepare_database(settings)
    engine = open_engine(settings.sqlalchemy_url)
    connection = connect(await asyncio.to_thread(redis_url, settings))
    sites = LiveSites(loaded.sites)
    await sites.load(engine, utcnow())  # routed with the roster the service pages by
    ingest = Ingest(engine, sites, connection, utcnow)

    async def accept(payload: dict[str, object]) -> IngestOutcome:
        # Arrival is now, as for a live post: history is stale and pages nobody.
        incident = parse_incident(payload, loaded.sites.incident_types)
        return await ingest.accept(incident, judge(incident.occurred_at, utcnow(),
                                                   settings.page_within,
                                                   force=payload.get("page") is True))
    try:
        yield accept
    finally:
        connection.close()
        await engine.dispose()
        # An embedded Redis this replay started stops again once nothing else uses it; the
        # jobs it queued are saved with it and sent when a worker starts.
        if not settings.redis_url:
            await asyncio.to_thread(EmbeddedRedis(settings.home).release, client_name())


@asynccontextmanager
async def _http_sink(url: str, settings: Settings) -> AsyncIterator[Sink]:
    # Without CMSBOT_API_TOKEN, the token the home keeps (a demo's, or a local service's).
    token = settings.ingest_token().reveal()
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async def post(payload: dict[str, object]) -> IngestOutcome:
            async with session.post(f"{url.rstrip('/')}/api/incidents", json=payload) as response:
                body = await response.json(content_type=None)
                if response.status == 400:
                    raise IncidentError(str(body.get("field", "body")), str(body.get("error")))
                response.raise_for_status()
            return IngestOutcome(str(body["id"]), str(body["status"]), tuple(body["teams"]),
                                 int(body["deliveries"]), bool(body["duplicate"]),
                                 bool(body.get("paged", True)), body.get("reason"))
        yield post


def _printer() -> Callable[[Summary, int], None]:
    last = [0.0]
    tty = sys.stdout.isatty()

    def show(summary: Summary, total: int) -> None:
        done = summary.incidents + len(summary.rejected)
        if done < total and time.monotonic() - last[0] < (0.2 if tty else 5.0):
            return
        last[0] = time.monotonic()
        line = (f"  {summary.incidents}/{total} incidents: {summary.routed} routed, "
                f"{summary.unrouted} to coordinators, {summary.duplicates} duplicates")
        print(f"\r{line}" if tty else line, end="" if tty and done < total else "\n", flush=True)
    return show


def report(summary: Summary, out: TextIO) -> None:
    """The closing summary: routed, to whom, unrouted, rejected with reasons."""
    write = out.write
    new = summary.incidents - summary.duplicates
    write(f"replayed {summary.incidents} incidents from {summary.rows} rows: {new} new, "
          f"{summary.duplicates} already known (nothing sent); "
          f"{summary.routed} routed to teams, {summary.unrouted} to the coordinators "
          "(no catchment)\n")
    write(f"of the new: {summary.paged} paged, {summary.stale} not paged: stale (they occurred "
          f"more than {format_duration(summary.page_within)} before they arrived), "
          f"{summary.deliveries} deliveries\n")
    if summary.teams:
        top = ", ".join(f"{team} {count}" for team, count in summary.teams.most_common(10))
        write(f"teams alerted (top {min(10, len(summary.teams))} of {len(summary.teams)}): {top}\n")
    if summary.rejected:
        write(f"rejected {len(summary.rejected)}:\n")
        for reason in summary.rejected:
            write(f"  {reason}\n")


def _lines(incident: NypdIncident) -> str:
    return ",".join(str(line) for line in incident.lines)
