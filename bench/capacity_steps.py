"""One step of the capacity search: a fresh service offered one rate for a few seconds.

A step is fresh (new database, Redis db and processes), so that no backlog or grown table of
an earlier step decides the next one; it is warmed up before it is timed. Its latency is
counted for everything offered: a request with no answer within `CUTOFF`, a reply never
answered and an incident never texted about count as infinitely late.
"""

from __future__ import annotations

import asyncio
import math
import random
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.answers import check_answers, wait_handled
from bench.common import open_session, schedule_lags, wait_until
from bench.harness import RequestResult, conclude, paced, percentiles
from bench.ledger import ReplyLedger
from bench.load_sites import spread, write_sites
from bench.load_traffic import IncidentPoster, first_arrivals
from bench.replies_traffic import SmsReplier
from bench.seed import SMS_PER_INCIDENT, seed_alerts
from bench.stack import fresh_service

CUTOFF = 10.0  # seconds a request may take before it counts as never answered
GRACE = 10.0  # seconds after the last request for deferred answers and alerts to arrive
# Seconds of untimed load at a quarter of the step's rate, left to settle before the timed
# load: capacity is what a running process sustains; a cold start is alert row 3's goal.
WARM_UP = 2.0


@dataclass(frozen=True)
class StepPlan:
    """What every step of one search shares."""

    seconds: float
    workers: int
    seed: int
    incidents: int = 40  # open incidents the replies are about (2 alerted members each)


@dataclass(frozen=True)
class Step:
    """One rate offered and what came of it; `latency` is the one the search goes by."""

    rate: float
    offered: int
    failed: int
    latency: list[float]  # seconds per offered request, math.inf when never answered
    shown: dict[str, str] = field(default_factory=dict)  # more figures for the table
    lag_p99: float = 0.0  # how late this process sent (it also serves the doubles)

    def p(self, q: float) -> float:
        """The q-th percentile of `latency`, by nearest rank (math.inf stays math.inf)."""
        return nearest_rank(self.latency, q)


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The q-th percentile by nearest rank; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def ms(seconds: float) -> str:
    """Milliseconds for a table ("never" for an answer that did not come)."""
    if math.isnan(seconds):
        return "-"
    return "never" if math.isinf(seconds) else f"{seconds * 1000:.0f} ms"


async def _offer(count: int, seconds: float,
                 send: Callable[[int], Awaitable[RequestResult]]) -> tuple[list[RequestResult], float]:
    """`paced`, with each request given up at CUTOFF (status 0, latency inf); and the start."""
    async def bounded(i: int) -> RequestResult:
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(send(i), CUTOFF)
        except TimeoutError:
            return RequestResult(i, started, math.inf, 0, f"no answer within {CUTOFF:g} s")

    start = time.perf_counter() + 0.2
    return await paced(count, seconds, start, bounded), start


async def reply_step(rate: float, plan: StepPlan) -> Step:
    """Signed SMS replies at `rate`/s; latency: until the answer (TwiML or a later SMS)."""
    work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-capacity-replies-"))
    teams = write_sites(work / "sites.yaml")
    rng, run_id = random.Random(plan.seed), secrets.token_hex(3)
    count = round(rate * plan.seconds)
    clean = False
    logs: list[Path] = []
    try:
        async with fresh_service(work, plan.workers) as stack, open_session() as http:
            logs = stack.service.logs
            book = await seed_alerts(stack, http, teams, plan.incidents, rng, run_id, 0)
            warm = ReplyLedger(stack.doubles.twilio, stack.service.url, secrets.token_hex(3))
            await _offer(max(round(rate * WARM_UP / 4), 10), WARM_UP, SmsReplier(warm, book, rng))
            await wait_handled(stack.database, [r.sid for r in warm.sent], GRACE)
            ledger = ReplyLedger(stack.doubles.twilio, stack.service.url, run_id)
            results, start = await _offer(count, plan.seconds, SmsReplier(ledger, book, rng))
            await wait_handled(stack.database, [r.sid for r in ledger.sent], GRACE)
            answers = await check_answers(stack.database, ledger.sent, stack.doubles.twilio)
        clean = True
    finally:
        conclude(clean, logs, work, shown=5, prefix="    ")
    answered = sorted(answers.seconds)
    latency = answered + [math.inf] * (count - len(answered))
    webhook = [r.latency for r in results]
    return Step(rate, count, sum(not r.ok for r in results), latency, {
        "webhook p99": ms(nearest_rank(webhook, 99)),
        "by SMS": f"{answers.by_sms}", "unanswered": f"{count - len(answered)}"},
        percentiles(schedule_lags([results], start, plan.seconds), [99])[0])


async def ingest_step(rate: float, plan: StepPlan) -> Step:
    """Incidents at `rate`/s; latency: the slower of the POST's answer and the first SMS."""
    work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-capacity-ingest-"))
    teams = write_sites(work / "sites.yaml")
    rng = random.Random(plan.seed)
    points = spread(teams, round(rate * plan.seconds), rng)
    clean = False
    logs: list[Path] = []
    try:
        async with fresh_service(work, plan.workers) as stack, open_session() as http:
            logs = stack.service.logs
            twilio = stack.doubles.twilio
            # Numbered apart from the timed ones, whose first SMS are told by their number.
            await seed_alerts(stack, http, teams, max(round(rate * WARM_UP / 4), 10), rng,
                              secrets.token_hex(3), first=90_000)
            poster = IncidentPoster(http, stack.service.url, stack.token, secrets.token_hex(3),
                                    points)
            results, start = await _offer(len(points), plan.seconds, poster)
            expected = len(twilio.messages) + SMS_PER_INCIDENT * sum(r.ok for r in results)
            await wait_until(lambda: len(twilio.messages) >= expected, GRACE, interval=0.05)
            firsts, _ = first_arrivals(twilio.messages, twilio.stamps)
        clean = True
    finally:
        conclude(clean, logs, work, shown=5, prefix="    ")
    post = [r.latency if r.ok else math.inf for r in results]
    to_sms = [firsts[n] - poster.sent_at[n] if n in firsts else math.inf
              for n in map(poster.number, range(len(points)))]
    # An incident counts as on time when both its POST and its first SMS are.
    return Step(rate, len(points), sum(not r.ok for r in results),
                [max(a, b) for a, b in zip(post, to_sms, strict=True)], {
                    "POST p99": ms(nearest_rank(post, 99)),
                    "first SMS p99": ms(nearest_rank(to_sms, 99))},
                percentiles(schedule_lags([results], start, plan.seconds), [99])[0])
