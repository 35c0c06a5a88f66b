"""`load`: new incidents and a flood of members' SMS replies at once, against one web and two
worker processes on PostgreSQL, with `/cms` commands in Slack and Twilio's status callbacks.

Issue 14 (the default): the replies come at 1x and at 3x the reply rate one web process
sustains, while incidents keep arriving at a fifth of the ingest rate it sustains (the
capacities from `--capacity R --ingest-capacity I`, `--capacity-file FILE` from
`python -m bench capacity`, or measured first; `--factor F` to choose). Each run is on a fresh
service, and checks: incident -> first SMS p99 <= 2 s and <= 10x its p99 on the idle service
(measured first, in the same run); no webhook answered after 10 s or refused; every reply
recorded once and answered once (TwiML or a later SMS), every note on the timeline once; every
alert sent, nobody texted twice.

Issue 7's burst (`--incidents N --replies M`, over `--seconds`, default 60): the same checks.

The load is open-loop (each request leaves on schedule whatever the earlier ones are doing), so
a slow service shows as latency, not as a gentler offered rate. The exit status is 1 when a
goal was missed or anything failed, was lost or was doubled.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.capacity_args import FACTORS, add_capacity_options, from_file, resolve
from bench.common import option_parser
from bench.harness import code_version, conclude, print_table
from bench.load_run import Options, Plan, offer
from bench.load_sites import spread, write_sites
from bench.machine import speed_line
from bench.replies_traffic import COORDINATOR_SLACK
from bot.config.sites_file import load_sites


def parse_options(argv: Sequence[str]) -> Options:
    """The benchmark's command line."""
    parser = option_parser("load", __doc__)
    parser.add_argument("--incidents", type=int, metavar="N",
                        help="issue 7's burst: N incidents (default 1000 with --replies)")
    parser.add_argument("--replies", type=int, metavar="N",
                        help="issue 7's burst: N replies (default 5000 with --incidents)")
    add_capacity_options(parser, ingest=True)
    parser.add_argument("--incident-share", type=float, default=0.2, metavar="S",
                        help="incidents/s as a share of the ingest capacity (default 0.2)")
    parser.add_argument("--seconds", type=float, metavar="S",
                        help="how long the load lasts (default 20; 60 for issue 7's burst)")
    parser.add_argument("--slack-rate", type=float, default=2.0, metavar="R",
                        help="/cms commands per second during the load (default 2)")
    parser.add_argument("--idle-incidents", type=int, default=20, metavar="N",
                        help="incidents posted at 4/s to the idle service first (default 20)")
    parser.add_argument("--workers", type=int, default=2, metavar="N")
    parser.add_argument("--twilio-connections", type=int, default=100, metavar="N",
                        help="connections the Twilio double posts webhooks through (default "
                             "100, aiohttp's; 0: no limit, as at Twilio): beyond them, a "
                             "webhook waits in this process, and that wait is latency too")
    parser.add_argument("--drain", type=float, default=3600.0, metavar="S",
                        help="after the load, wait at most S seconds for everything to be "
                             "recorded (default 3600: a deadline, not a target)")
    parser.add_argument("--seed", type=int, default=20260704, help="where incidents fall")
    options = Options(**vars(parser.parse_args(argv)))
    replies, ingest = from_file(options.capacity, options.ingest_capacity, options.capacity_file)
    return Options(**{**vars(options), "capacity": replies, "ingest_capacity": ingest})


def main(argv: Sequence[str]) -> int:
    """Run the benchmark; 0 when every goal is met and nothing failed, was lost or doubled."""
    return asyncio.run(run(parse_options(argv)))


async def _plans(options: Options) -> list[Plan]:
    if options.incidents is not None or options.replies is not None:
        seconds = options.seconds or 60.0
        incidents, replies = options.incidents or 1000, options.replies or 5000
        return [Plan(f"{incidents} incidents + {replies} replies in {seconds:g} s",
                     incidents / seconds, replies / seconds, seconds)]
    capacity, ingest = await resolve(options.capacity, options.ingest_capacity,
                                     need_ingest=True)
    incident_rate = options.incident_share * ingest
    return [Plan(f"{factor:g}x {capacity:.0f} replies/s", incident_rate, factor * capacity,
                 options.seconds or 20.0) for factor in options.factor or FACTORS]


async def run(options: Options) -> int:
    """One run per plan (each on a fresh service), then a summary."""
    print(f"load: code {await code_version()}; {speed_line()}", flush=True)
    plans = await _plans(options)
    summary, worst = [], 0
    for plan in plans:
        work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-load-"))
        teams = write_sites(work / "sites.yaml", COORDINATOR_SLACK)
        load_sites(work / "sites.yaml")  # a broken sites file fails here, not in 3 processes
        rng = random.Random(options.seed)
        points = spread(teams, round(plan.incident_rate * plan.seconds), rng)
        print(f"\nload at {plan.label}: {plan.incident_rate:.1f} incidents/s and "
              f"{plan.reply_rate:.0f} replies/s for {plan.seconds:g} s, 1 web + "
              f"{options.workers} workers (logs in {work})", flush=True)
        ok, line, logs = await offer(options, plan, work, teams, points, rng,
                                     secrets.token_hex(3))
        summary.append(line)
        worst = max(worst, conclude(ok, logs, work, shown=80))
    if len(plans) > 1:
        print()
        print_table(["load", "reply POST p99", "reply answer p99", "incident -> first SMS p99",
                     "slowest webhook", "goals met?"], summary)
    return worst
