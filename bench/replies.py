"""`replies`: issue 9 rows 7 and 8. Signed inbound SMS replies offered open-loop at a fixed rate
(default 500/s for 20 s) to a real `cmsbot serve` on PostgreSQL, with one worker, while a
coordinator types `/cms incidents` in Slack at 5/s.

Row 7: replies answered per second (signed, parsed, logged, answered with TwiML) >= 500/s with
p99 <= 100 ms. Row 8: the slash command's HTTP 200 ack p99 <= 300 ms, against Slack's 3 s.

First some incidents are posted through the API and their alerts sent (the members need open
alerts to reply to); only then does the timed load start. The Twilio double posts through
aiohttp's default pool of 100 connections: a service that falls behind makes replies wait here,
and that wait is latency too. `--web-processes N` runs `cmsbot serve` with CMSBOT_WEB_PROCESSES=N.
The exit status is 1 when a request failed, a reply was not recorded or not answered with TwiML,
or a goal was missed.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import yaml

from bench.common import CpuMeter, open_session, option_parser, wait_until
from bench.harness import Doubles, code_version, conclude, paced
from bench.load_sites import LoadTeam, build_teams, sites_document, spread
from bench.load_traffic import AlertBook, IncidentPoster
from bench.replies_report import Cpu, Outcome, Work, report
from bench.replies_traffic import COORDINATOR_SLACK, SlashCommander, SmsReplier
from bench.stack import fresh_service
from bot.config.sites_file import load_sites


@dataclass(frozen=True)
class Options:
    """What to offer, and to whom."""

    rate: float
    seconds: float
    slack_rate: float
    incidents: int
    workers: int
    web_processes: int
    seed: int


def parse_options(argv: Sequence[str]) -> Options:
    """The benchmark's command line."""
    parser = option_parser("replies", __doc__)
    parser.add_argument("--rate", type=float, default=500.0, metavar="R",
                        help="SMS replies offered per second (default 500)")
    parser.add_argument("--seconds", type=float, default=20.0, metavar="S",
                        help="how long the load lasts (default 20)")
    parser.add_argument("--slack-rate", type=float, default=5.0, metavar="R",
                        help="/cms commands offered per second during the load (default 5)")
    parser.add_argument("--incidents", type=int, default=40, metavar="N",
                        help="open incidents to reply about, 2 members alerted each (default 40)")
    parser.add_argument("--workers", type=int, default=1, metavar="N")
    parser.add_argument("--web-processes", type=int, default=1, metavar="N",
                        help="CMSBOT_WEB_PROCESSES for `cmsbot serve` (default 1)")
    parser.add_argument("--seed", type=int, default=20260709)
    return Options(**vars(parser.parse_args(argv)))


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when everything was answered and recorded and both goals are met."""
    return asyncio.run(run(parse_options(argv)))


async def run(options: Options) -> int:
    """Set up, seed open alerts, offer the load, check the database, report, clean up."""
    work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-replies-"))
    teams = _write_sites(work / "sites.yaml")
    load_sites(work / "sites.yaml")  # a broken sites file fails here, not in the service
    rng = random.Random(options.seed)
    run_id = secrets.token_hex(3)
    print(f"replies: {options.rate:g} SMS replies/s and {options.slack_rate:g} /cms commands/s "
          f"for {options.seconds:g} s, {options.web_processes} web + {options.workers} worker(s), code "
          f"{await code_version()} (logs in {work})", flush=True)
    async with fresh_service(work, options.workers, options.web_processes) as stack, \
            open_session() as http:
        service, doubles = stack.service, stack.doubles
        book = await _seed(options, http, service.url, stack.token, run_id, doubles, teams, rng,
                           stack.database)
        print(f"seeded {options.incidents} incidents, {sum(map(len, book.numbers.values()))} "
              f"open alerts; web pid {service.processes[0].pid}", flush=True)
        replier = SmsReplier(doubles.twilio, service.url, book, rng, run_id)
        commander = SlashCommander(http, service.url, doubles.slack, run_id)
        # This process's own time only: its children are the service's processes.
        meters = (CpuMeter([os.getpid()], family=False), CpuMeter([service.processes[0].pid]),
                  CpuMeter([p.pid for p in service.processes[1:]]))
        before = [meter.seconds() for meter in meters]
        redrawn, texted = len(doubles.slack.updates), len(doubles.twilio.messages)
        start = time.perf_counter() + 0.2
        replies, commands = await asyncio.gather(
            paced(round(options.rate * options.seconds), options.seconds, start, replier),
            paced(round(options.slack_rate * options.seconds), options.seconds, start,
                  commander))
        used = [meter.seconds() - b for meter, b in zip(meters, before, strict=True)]
        cpu = Cpu(*used, wall=time.perf_counter() - start)
        effects = Work(len(doubles.slack.updates) - redrawn,
                       len(doubles.twilio.messages) - texted)
        recorded = await _recorded(stack.database, replier.sids)
        # The listeners answer after the ack; give the last ones a moment to arrive.
        await wait_until(lambda: len(doubles.slack.responses) >= len(commands), 10.0)
        outcome = Outcome(replies, commands, start, options.seconds, replier.twiml,
                          recorded, len(doubles.slack.responses), cpu, effects)
    ok = report(outcome, options.rate)
    return conclude(ok, stack.service.logs, work)


def _write_sites(path: Path) -> tuple[LoadTeam, ...]:
    """The load benchmark's 20 teams, with the first coordinator on Slack (for `/cms`)."""
    teams = build_teams()
    document = sites_document(teams)
    document["coordinators"][0]["slack_user"] = COORDINATOR_SLACK
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return teams


async def _seed(options: Options, http: aiohttp.ClientSession, base_url: str, token: str,
                run_id: str, doubles: Doubles, teams: Sequence[LoadTeam], rng: random.Random,
                database: str) -> AlertBook:
    """Post the incidents (round-robin over the teams) and wait until every alert is sent."""
    points = spread(teams, options.incidents, rng)
    poster = IncidentPoster(http, base_url, token, run_id, points)
    posted = await paced(options.incidents, options.incidents / 20, time.perf_counter(), poster)
    if not all(r.ok for r in posted):
        failed = next(r for r in posted if not r.ok)
        raise RuntimeError(f"seeding: incident {failed.index} got HTTP {failed.status} "
                           f"{failed.error}")
    book = AlertBook(doubles.twilio)
    connection = await asyncpg.connect(database)
    try:
        async def all_sent() -> bool:
            # Sent, or the worker would still be busy with them during the timed load.
            unsent = await connection.fetchval(
                "SELECT count(*) FROM deliveries WHERE kind = 'alert' "
                "AND status NOT IN ('sent', 'delivered')")
            return unsent == 0 and len(doubles.twilio.messages) >= 2 * options.incidents
        await wait_until(all_sent, 120.0, must=True)
    finally:
        await connection.close()
    book.refresh()
    return book


async def _recorded(database: str, sids: Sequence[str]) -> int:
    """How many of these replies the database holds with their answer kept."""
    connection = await asyncpg.connect(database)
    try:
        return int(await connection.fetchval(
            "SELECT count(*) FROM inbound_messages WHERE sid = ANY($1::text[]) "
            "AND reply_kind IS NOT NULL", list(sids)))
    finally:
        await connection.close()

