"""One run of the load benchmark: a fresh service, its idle baseline, then incidents, replies
and `/cms` commands on one schedule, with Twilio's status callbacks; then the reckoning."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]

from bench.answers import check_answers, wait_handled
from bench.callbacks import StatusCallbacks
from bench.common import open_session
from bench.goals import UnderLoad
from bench.harness import RequestResult, paced
from bench.ledger import ReplyLedger
from bench.load_report import Recorded, Traffic, report
from bench.load_sites import LoadTeam
from bench.load_traffic import IncidentPoster, ReplySender, first_sms_seconds
from bench.replies_traffic import SlashCommander
from bench.seed import idle_first_sms
from bench.stack import Stack, fresh_service

SENT = ("sent", "delivered")  # "delivered" only comes from a status callback, which is later
IDLE_RATE, IDLE_FIRST = 4.0, 80_000  # the idle baseline's incidents per second, first number


@dataclass(frozen=True)
class Options:
    """The command line of `python -m bench load`."""

    incidents: int | None
    replies: int | None
    capacity: float | None
    ingest_capacity: float | None
    capacity_file: Path | None
    factor: list[float] | None
    incident_share: float
    seconds: float | None
    slack_rate: float
    idle_incidents: int
    workers: int
    twilio_connections: int
    drain: float
    seed: int


@dataclass(frozen=True)
class Plan:
    """One run: what is offered per second, for how long."""

    label: str
    incident_rate: float
    reply_rate: float
    seconds: float


async def offer(options: Options, plan: Plan, work: Path, teams: Sequence[LoadTeam],
                points: Sequence[tuple[float, float]], rng: random.Random,
                run_id: str) -> tuple[bool, list[str], list[Path]]:
    """Run the plan on a fresh service in `work`; whether it met every goal, its summary
    line, and the service's logs."""
    async with fresh_service(work, options.workers,
                             twilio_connections=options.twilio_connections) as stack, \
            open_session() as http:
        idle = await idle_first_sms(stack, http, teams, options.idle_incidents, IDLE_RATE, rng,
                                    run_id, IDLE_FIRST)
        twilio = stack.doubles.twilio
        ledger = ReplyLedger(twilio, stack.service.url, run_id)
        async with StatusCallbacks(twilio) as callbacks:
            traffic, commands, poster = await _send(options, plan, stack, http, teams, points,
                                                    ledger, rng, run_id)
            print(f"sent everything in {traffic.seconds:.1f} s; waiting for it to be recorded",
                  flush=True)
            recorded, drained = await _wait_recorded(stack.database, ledger, options.drain)
        answers = await check_answers(stack.database, ledger.sent, twilio)
        first_sms, _ = first_sms_seconds(poster, traffic.incidents, twilio.messages,
                                         twilio.stamps)
        under_load = UnderLoad(idle, first_sms, len(traffic.incidents), traffic.replies,
                               callbacks.results, commands, answers)
        ok, line = report(plan.label, traffic, recorded, drained, stack.doubles, under_load)
        return ok, line, stack.service.logs


async def _send(options: Options, plan: Plan, stack: Stack, http: aiohttp.ClientSession,
                teams: Sequence[LoadTeam], points: Sequence[tuple[float, float]],
                ledger: ReplyLedger, rng: random.Random,
                run_id: str) -> tuple[Traffic, list[RequestResult], IncidentPoster]:
    """The three streams at once, on the same schedule."""
    url = stack.service.url
    poster = IncidentPoster(http, url, stack.token, run_id, points)
    replier = ReplySender(ledger, stack.doubles.twilio, teams, rng)
    commander = SlashCommander(http, url, stack.doubles.slack, run_id)
    start = time.perf_counter() + 0.1
    incidents, replies, commands = await asyncio.gather(
        paced(len(points), plan.seconds, start, poster),
        paced(round(plan.reply_rate * plan.seconds), plan.seconds, start, replier),
        paced(round(options.slack_rate * plan.seconds), plan.seconds, start, commander))
    return (Traffic(incidents, replies, poster.sent_at, start, time.perf_counter() - start,
                    plan.seconds), commands, poster)


async def _wait_recorded(database: str, ledger: ReplyLedger,
                         within: float) -> tuple[Recorded, float]:
    """Poll until every alert is sent, then until every reply is handled and answered, or the
    deadline; what the database holds, and the seconds waited."""
    started = time.perf_counter()
    connection = await asyncpg.connect(database)
    try:
        said = started
        while True:
            recorded = await _recorded(connection)
            waited = time.perf_counter() - started
            if not recorded.unsent or waited > within:
                break
            if time.perf_counter() - said > 10:
                said = time.perf_counter()
                print(f"  {waited:.0f} s: {sum(recorded.unsent.values())} alert deliveries "
                      f"unsent {dict(recorded.unsent)}", flush=True)
            await asyncio.sleep(0.25)
    finally:
        await connection.close()
    left = max(within - (time.perf_counter() - started), 0.0)
    await wait_handled(database, [reply.sid for reply in ledger.sent], left)
    return recorded, time.perf_counter() - started


async def _recorded(connection: asyncpg.Connection) -> Recorded:
    rows = await connection.fetch(
        "SELECT channel, status, count(*) AS n FROM deliveries WHERE kind = 'alert' "
        "GROUP BY channel, status")
    unsent = {r["status"]: r["n"] for r in rows if r["status"] not in SENT}
    sent: Counter[str] = Counter()
    for row in rows:  # "sent" and "delivered" rows of one channel add up
        if row["status"] in SENT:
            sent[row["channel"]] += row["n"]
    return Recorded(unsent, sent["sms"], sent["slack"])
