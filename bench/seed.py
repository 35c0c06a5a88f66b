"""Incidents posted before the timed load: open alerts to reply to, and the idle baseline of
incident -> first SMS that the goals under load are measured against."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import aiohttp
import asyncpg  # type: ignore[import-untyped]

from bench.common import wait_until
from bench.harness import RequestResult, paced
from bench.load_sites import LoadTeam, spread
from bench.load_traffic import AlertBook, IncidentPoster, first_sms_seconds
from bench.stack import Stack

SMS_PER_INCIDENT = 2  # each load team pages its two interrupters at once
SETTLE = 120.0  # seconds for the seeded alerts to go out: a deadline


async def post_incidents(stack: Stack, http: aiohttp.ClientSession, points: Sequence[tuple[float, float]],
                         run_id: str, rate: float,
                         first: int) -> tuple[IncidentPoster, list[RequestResult]]:
    """Post one incident per point, open-loop at `rate`/s; every one must be accepted."""
    poster = IncidentPoster(http, stack.service.url, stack.token, run_id, points, first=first)
    posted = await paced(len(points), len(points) / rate, time.perf_counter(), poster)
    failed = next((r for r in posted if not r.ok), None)
    if failed is not None:
        raise RuntimeError(f"seeding: incident {failed.index} got HTTP {failed.status} "
                           f"{failed.error}")
    return poster, posted


async def _all_sent(stack: Stack, messages: int) -> None:
    """Wait until no alert is left to send and the double holds `messages` messages."""
    connection = await asyncpg.connect(stack.database)
    try:
        async def sent() -> bool:
            # Sent, or the worker would still be busy with them during the timed load.
            unsent = await connection.fetchval(
                "SELECT count(*) FROM deliveries WHERE kind = 'alert' "
                "AND status NOT IN ('sent', 'delivered')")
            return unsent == 0 and len(stack.doubles.twilio.messages) >= messages
        await wait_until(sent, SETTLE, must=True)
    finally:
        await connection.close()


async def seed_alerts(stack: Stack, http: aiohttp.ClientSession, teams: Sequence[LoadTeam],
                      count: int, rng: random.Random, run_id: str, first: int) -> AlertBook:
    """Post `count` incidents (round-robin over the teams) at 20/s and wait until every alert
    is sent; each member's open alert numbers."""
    before = len(stack.doubles.twilio.messages)
    await post_incidents(stack, http, spread(teams, count, rng), run_id, 20.0, first)
    await _all_sent(stack, before + SMS_PER_INCIDENT * count)
    book = AlertBook(stack.doubles.twilio)
    book.refresh()
    return book


async def idle_first_sms(stack: Stack, http: aiohttp.ClientSession, teams: Sequence[LoadTeam],
                         count: int, rate: float, rng: random.Random, run_id: str,
                         first: int) -> list[float]:
    """POST -> first SMS of `count` incidents at `rate`/s on a service with nothing else to do."""
    twilio = stack.doubles.twilio
    before = len(twilio.messages)
    poster, posted = await post_incidents(stack, http, spread(teams, count, rng), run_id, rate,
                                          first)
    await _all_sent(stack, before + SMS_PER_INCIDENT * count)
    seconds, missing = first_sms_seconds(poster, posted, twilio.messages, twilio.stamps)
    if missing:
        raise RuntimeError(f"idle baseline: {missing} of {count} incidents were never texted about")
    return seconds
