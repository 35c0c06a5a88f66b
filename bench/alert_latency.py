"""Row 3: incident posted -> first SMS about it at the Twilio API double, open-loop at 10/s."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Sequence

from bench.alert_stack import Options, Row, service_stack
from bench.common import open_session, wait_until
from bench.harness import RequestResult, latency_row, paced, percentiles, print_table
from bench.load_sites import build_teams, spread
from bench.load_traffic import IncidentPoster, first_arrivals

P50_GOAL, P99_GOAL = 0.100, 0.250
# Each load team pages its two interrupters at once (the supervisor only at escalation, a day on).
SMS_PER_INCIDENT = 2
START_RATIO = 2.0  # the first tenth's p50 at most this many times the last tenth's
DRAIN = 60.0  # seconds after the last answer for the last alerts to arrive: a deadline


async def row3(options: Options) -> tuple[list[Row], bool]:
    """Run row 3; its table rows, and whether every incident was alerted exactly once per person."""
    count = options.incidents or 1000
    seconds = count / options.rate
    print(f"row 3: {count} incidents at {options.rate:g}/s ({seconds:.0f} s), 1 web + "
          f"{options.workers} worker(s)", flush=True)
    async with service_stack("alert-latency", options.workers) as stack:
        points = spread(build_teams(), count, random.Random(options.seed))
        twilio = stack.doubles.twilio
        async with open_session() as http:
            poster = IncidentPoster(http, stack.service.url, stack.token,
                                    secrets.token_hex(3), points)
            results = await paced(count, seconds, time.perf_counter() + 0.1, poster)
        # Polled: the double's message list has no event to wait on.
        await wait_until(lambda: len(twilio.messages) >= count * SMS_PER_INCIDENT, DRAIN,
                         interval=0.05)
        firsts, doubled = first_arrivals(twilio.messages, twilio.stamps)
    return _report(results, poster.sent_at, firsts, doubled, count)


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
    first, last = (percentiles(part, [50])[0] for part in (latencies[:tenth], latencies[-tenth:]))
    print(f"  p50 of the first tenth {_ms(first)}, of the last tenth {_ms(last)}")
    print(f"  {len(firsts)}/{count} incidents alerted, {missing} never, {doubled} "
          "(incident, phone) pairs texted twice", flush=True)
    p50, p99 = percentiles(latencies, [50, 99])
    complete = not failed and missing == 0 and doubled == 0
    rows: list[Row] = [
        ["3", "POST -> first SMS p50", _ms(p50), f"<= {P50_GOAL * 1000:.0f} ms",
         _met(p50 <= P50_GOAL)],
        ["3", "POST -> first SMS p99", _ms(p99), f"<= {P99_GOAL * 1000:.0f} ms",
         _met(p99 <= P99_GOAL)],
        # Issue 14: a fresh service must not be slow in its first seconds (a cold start).
        ["3", "POST -> first SMS p50, first tenth / last tenth",
         f"{_ms(first)} / {_ms(last)} = {_ratio(first / last)}x", f"<= {START_RATIO:g}x",
         _met(first <= START_RATIO * last)],
        ["3", "incidents alerted once each", f"{len(firsts)}/{count}, {doubled} doubled",
         f"{count}/{count}, 0 doubled", _met(complete)],
    ]
    return rows, complete


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds == seconds else "-"


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value == value else "-"


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"
