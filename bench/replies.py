"""`replies`: signed inbound SMS replies offered open-loop to a real `cmsbot serve` on PostgreSQL
with one worker, while a coordinator types `/cms incidents` in Slack (5/s), a new incident is
posted every second, and every SMS the service sends gets Twilio's status callback.

Issue 14 (the default): the replies come at 1x and at 3x the rate one web process sustains
(`--capacity R`, `--capacity-file FILE` from `python -m bench capacity`, or measured first;
`--factor F` to choose), each run on a fresh service, and these goals are checked: incident ->
first SMS p99 <= 2 s and <= 10x its p99 on the idle service (measured first, in the same run);
no webhook (SMS, status callback, Slack) answered after 10 s or refused; every reply recorded
once and answered once, by TwiML or by a later SMS; every note on the timeline once.

Issue 9 rows 7 and 8 (`--rate R`, e.g. 500): replies answered per second >= 500/s with p99 <=
100 ms, and the slash command's ack p99 <= 300 ms (Slack allows 3 s); issue 14's goals too.

Before the timed load, incidents are posted to the idle service (the baseline), then those the
members reply about, and their alerts sent. The Twilio double posts through aiohttp's default
pool of 100 connections (`--twilio-connections`): a service that falls behind makes replies
wait here, and that wait is latency too. The exit status is 1 when a goal was missed or a
request failed.
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
from bench.load_sites import write_sites
from bench.machine import speed_line
from bench.replies_load import Options, offer
from bench.replies_report import Plan, report
from bench.replies_traffic import COORDINATOR_SLACK
from bot.config.sites_file import load_sites


def parse_options(argv: Sequence[str]) -> Options:
    """The benchmark's command line."""
    parser = option_parser("replies", __doc__)
    parser.add_argument("--rate", type=float, metavar="R",
                        help="offer R replies/s and check issue 9's rows 7-8 as well")
    add_capacity_options(parser, ingest=False)
    parser.add_argument("--seconds", type=float, default=20.0, metavar="S",
                        help="how long the load lasts (default 20)")
    parser.add_argument("--slack-rate", type=float, default=5.0, metavar="R",
                        help="/cms commands offered per second during the load (default 5)")
    parser.add_argument("--incident-rate", type=float, default=1.0, metavar="R",
                        help="new incidents per second during the load (default 1)")
    parser.add_argument("--idle-incidents", type=int, default=20, metavar="N",
                        help="incidents posted at 4/s to the idle service first (default 20)")
    parser.add_argument("--incidents", type=int, default=40, metavar="N",
                        help="open incidents to reply about, 2 members alerted each (default 40)")
    parser.add_argument("--workers", type=int, default=1, metavar="N")
    parser.add_argument("--twilio-connections", type=int, default=100, metavar="N",
                        help="connections the Twilio double posts webhooks through (default "
                             "100, aiohttp's; 0: no limit, as at Twilio): beyond them, a "
                             "webhook waits in this process, and that wait is latency too")
    parser.add_argument("--web-processes", type=int, default=1, metavar="N",
                        help="CMSBOT_WEB_PROCESSES for `cmsbot serve` (default 1)")
    parser.add_argument("--seed", type=int, default=20260709)
    options = Options(**vars(parser.parse_args(argv)))
    capacity, _ = from_file(options.capacity, None, options.capacity_file)
    return Options(**{**vars(options), "capacity": capacity})


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when every goal is met and every request was answered."""
    return asyncio.run(run(parse_options(argv)))


async def run(options: Options) -> int:
    """One run per rate asked for (each on a fresh service), then a summary."""
    print(f"replies: code {await code_version()}; {speed_line()}", flush=True)
    if options.rate is not None:
        plans = [Plan(f"{options.rate:g}/s", options.rate, rows_7_8=True)]
    else:
        capacity, _ = await resolve(options.capacity, None, need_ingest=False)
        plans = [Plan(f"{factor:g}x {capacity:.0f}/s", factor * capacity, rows_7_8=False)
                 for factor in options.factor or FACTORS]
    summary, worst = [], 0
    for plan in plans:
        status, line = await _one(options, plan)
        summary.append(line)
        worst = max(worst, status)
    if len(plans) > 1:
        print()
        print_table(["replies offered", "answered/s", "reply answer p99",
                     "incident -> first SMS p99", "slowest webhook", "goals met?"], summary)
    return worst


async def _one(options: Options, plan: Plan) -> tuple[int, list[str]]:
    work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-replies-"))
    teams = write_sites(work / "sites.yaml", COORDINATOR_SLACK)
    load_sites(work / "sites.yaml")  # a broken sites file fails here, not in the service
    print(f"\nreplies at {plan.label} ({plan.rate:.0f}/s) and {options.slack_rate:g} /cms "
          f"commands/s for {options.seconds:g} s, {options.incident_rate:g} new incident(s)/s, "
          f"{options.web_processes} web + {options.workers} worker(s) (logs in {work})",
          flush=True)
    outcome = await offer(options, plan, work, teams, random.Random(options.seed),
                          secrets.token_hex(3))
    ok, line = report(outcome, plan)
    return conclude(ok, outcome.logs, work), line
