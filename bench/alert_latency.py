"""Row 3: incident posted -> first SMS about it at the Twilio API double, open-loop at 10/s."""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from collections.abc import Sequence

import aiohttp

from bench.alert_stack import Options, Row, service_stack
from bench.harness import ArrivalClock, RequestResult, latency_row, paced, percentiles, print_table
from bench.load_traffic import IncidentPoster, incident_of
from tests.doubles import TwilioApiDouble

P50_GOAL, P99_GOAL = 0.100, 0.250
# Each load team pages its two interrupters at once (the supervisor only at escalation, a day on).
SMS_PER_INCIDENT = 2
DRAIN = 60.0  # seconds after the last answer for the last alerts to arrive: a deadline


async def row3(options: Options) -> tuple[list[Row], bool]:
    """Run row 3; its table rows, and whether every incident was alerted exactly once per person."""
    count = options.incidents or 1000
    seconds = count / options.rate
    print(f"row 3: {count} incidents at {options.rate:g}/s ({seconds:.0f} s), 1 web + "
          f"{options.workers} worker(s)", flush=True)
    async with service_stack("alert-latency", options.workers) as stack:
        rng = random.Random(options.seed)
        # Round-robin over the teams: every team gets its share, each at a random spot.
        points = [stack.teams[i % len(stack.teams)].point(rng) for i in range(count)]
        async with ArrivalClock(stack.doubles.twilio) as arrivals:
            async with aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=60),
                    connector=aiohttp.TCPConnector(limit=0)) as http:
                poster = IncidentPoster(http, stack.service.url, stack.token,
                                        secrets.token_hex(3), points)
                results = await paced(count, seconds, time.perf_counter() + 0.1, poster)
            await _drain(stack.doubles.twilio, count * SMS_PER_INCIDENT, DRAIN)
        firsts, doubled = first_arrivals(stack.doubles.twilio, arrivals.stamps)
    return _report(results, poster.sent_at, firsts, doubled, count)


async def _drain(twilio: TwilioApiDouble, expected: int, within: float) -> None:
    deadline = time.perf_counter() + within
    # Polled: the double's message list has no event to wait on.
    while True:
        if len(twilio.messages) >= expected or time.perf_counter() > deadline:
            return
        await asyncio.sleep(0.05)


def first_arrivals(twilio: TwilioApiDouble,
                   stamps: Sequence[float]) -> tuple[dict[int, float], int]:
    """When the first SMS about each incident arrived; how many (incident, phone) pairs got two."""
    firsts: dict[int, float] = {}
    pairs: Counter[tuple[int, str]] = Counter()
    for message, stamp in zip(twilio.messages, stamps, strict=False):
        index = incident_of(message.body)
        if index is None:
            continue
        pairs[(index, message.to)] += 1
        firsts[index] = min(stamp, firsts.get(index, stamp))
    return firsts, sum(1 for n in pairs.values() if n > 1)


def _report(results: Sequence[RequestResult], sent_at: dict[int, float],
            firsts: dict[int, float], doubled: int, count: int) -> tuple[list[Row], bool]:
    failed = [r for r in results if not r.ok]
    latencies = [firsts[i] - sent_at[i] for i in sorted(firsts)]
    missing = count - len(firsts)
    print_table(["row 3", "n", "failed", "p50 ms", "p90 ms", "p99 ms", "max ms"], [
        latency_row("POST answered", [r.latency for r in results], len(failed)),
        latency_row("POST -> first SMS", latencies, missing)])
    for result in failed[:5]:
        print(f"  failed: incident {result.index}: {result.status} {result.error}")
    tenth = max(len(latencies) // 10, 1)
    # A backlog grows through the run; a stall at start shows in the first tenth only.
    print(f"  p50 of the first tenth {_ms(percentiles(latencies[:tenth], [50])[0])}, of the "
          f"last tenth {_ms(percentiles(latencies[-tenth:], [50])[0])}")
    print(f"  {len(firsts)}/{count} incidents alerted, {missing} never, {doubled} "
          "(incident, phone) pairs texted twice", flush=True)
    p50, p99 = percentiles(latencies, [50, 99])
    complete = not failed and missing == 0 and doubled == 0
    rows: list[Row] = [
        ["3", "POST -> first SMS p50", _ms(p50), f"<= {P50_GOAL * 1000:.0f} ms",
         _met(p50 <= P50_GOAL)],
        ["3", "POST -> first SMS p99", _ms(p99), f"<= {P99_GOAL * 1000:.0f} ms",
         _met(p99 <= P99_GOAL)],
        ["3", "incidents alerted once each", f"{len(firsts)}/{count}, {doubled} doubled",
         f"{count}/{count}, 0 doubled", _met(complete)],
    ]
    return rows, complete


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds == seconds else "-"


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"
