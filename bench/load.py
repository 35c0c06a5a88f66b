"""`load`: 1,000 incidents in one minute plus 5,000 inbound SMS replies against one web and two
worker processes: no request fails, every alert and every reply is recorded, and the run prints
the latencies.

The load is open-loop (each request leaves on schedule whatever the earlier ones are doing), so
a slow service shows as latency, not as a gentler offered rate. The exit status checks
correctness only: a failed request, an alert not recorded as sent, a reply not recorded, an
incident nobody was texted about, or a message sent twice.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.common import open_session, option_parser
from bench.harness import ArrivalClock, Doubles, code_version, conclude, paced
from bench.load_report import Recorded, Traffic, report
from bench.load_sites import LoadTeam, spread, write_sites
from bench.load_traffic import IncidentPoster, ReplySender
from bench.stack import fresh_service
from bot.config.sites_file import load_sites

SENT = ("sent", "delivered")  # "delivered" only comes from a status callback, which is later


@dataclass(frozen=True)
class Options:
    """What to offer and how long to wait for it to be recorded."""

    incidents: int
    seconds: float
    replies: int
    workers: int
    drain: float
    seed: int


def parse_options(argv: Sequence[str]) -> Options:
    """The benchmark's command line."""
    parser = option_parser("load", __doc__)
    parser.add_argument("--incidents", type=int, default=1000, metavar="N")
    parser.add_argument("--seconds", type=float, default=60.0, metavar="S",
                        help="spread the incidents and the replies evenly over S seconds")
    parser.add_argument("--replies", type=int, default=5000, metavar="N")
    parser.add_argument("--workers", type=int, default=2, metavar="N")
    parser.add_argument("--drain", type=float, default=3600.0, metavar="S",
                        help="after the last answer, wait at most S seconds for everything "
                             "to be recorded (default 3600: a deadline, not a target)")
    parser.add_argument("--seed", type=int, default=20260704, help="where incidents fall")
    return Options(**vars(parser.parse_args(argv)))


def main(argv: Sequence[str]) -> int:
    """Run the benchmark; 0 when nothing failed, was lost or was duplicated."""
    return asyncio.run(run(parse_options(argv)))


async def run(options: Options) -> int:
    """Set everything up, offer the load, wait for it to be recorded, report, clean up."""
    work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-load-"))
    teams = write_sites(work / "sites.yaml")
    load_sites(work / "sites.yaml")  # a broken sites file fails here, not in three processes
    rng = random.Random(options.seed)
    points = spread(teams, options.incidents, rng)
    print(f"load: {options.incidents} incidents and {options.replies} replies over "
          f"{options.seconds:g} s, 1 web + {options.workers} workers, code {await code_version()} "
          f"(logs in {work})", flush=True)
    async with fresh_service(work, options.workers) as stack, \
            ArrivalClock(stack.doubles.twilio) as arrivals:
        traffic = await _offer(options, stack.service.url, stack.token, stack.doubles, teams,
                               points, rng)
        print(f"sent everything in {traffic.seconds:.1f} s; waiting for it to be recorded",
              flush=True)
        recorded, drained = await _wait_recorded(stack.database, len(traffic.replies),
                                                 options.drain)
    arrivals.sweep()  # what arrived while the service stopped
    ok = report(traffic, recorded, drained, stack.doubles, arrivals.stamps)
    return conclude(ok, stack.service.logs, work, shown=80)


async def _offer(options: Options, base_url: str, token: str, doubles: Doubles,
                 teams: Sequence[LoadTeam], points: Sequence[tuple[float, float]],
                 rng: random.Random) -> Traffic:
    """Both streams at once, on the same schedule, through one client session."""
    run_id = secrets.token_hex(3)
    async with open_session() as http:
        poster = IncidentPoster(http, base_url, token, run_id, points)
        replier = ReplySender(doubles.twilio, base_url, teams, rng)
        start = time.perf_counter() + 0.1
        incidents, replies = await asyncio.gather(
            paced(options.incidents, options.seconds, start, poster),
            paced(options.replies, options.seconds, start, replier))
    return Traffic(incidents, replies, poster.sent_at, start, time.perf_counter() - start,
                   options.seconds)


async def _wait_recorded(database: str, replies: int, within: float) -> tuple[Recorded, float]:
    """Poll the database until every alert is sent and every reply stored, or the deadline."""
    started = time.perf_counter()
    connection = await asyncpg.connect(database)
    try:
        said = started
        while True:
            recorded = await _recorded(connection)
            waited = time.perf_counter() - started
            if (not recorded.unsent and recorded.replies >= replies) or waited > within:
                return recorded, waited
            if time.perf_counter() - said > 10:
                said = time.perf_counter()
                print(f"  {waited:.0f} s: {sum(recorded.unsent.values())} alert deliveries "
                      f"unsent {dict(recorded.unsent)}, {recorded.replies}/{replies} replies",
                      flush=True)
            await asyncio.sleep(0.25)
    finally:
        await connection.close()


async def _recorded(connection: asyncpg.Connection) -> Recorded:
    rows = await connection.fetch(
        "SELECT channel, status, count(*) AS n FROM deliveries WHERE kind = 'alert' "
        "GROUP BY channel, status")
    unsent = {r["status"]: r["n"] for r in rows if r["status"] not in SENT}
    sent = Counter({r["channel"]: r["n"] for r in rows if r["status"] in SENT})
    replies = await connection.fetchval("SELECT count(*) FROM inbound_messages")
    return Recorded(unsent, sent["sms"], sent["slack"], int(replies))
