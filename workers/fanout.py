"""Sending a broadcast: a batch job sends for a couple of seconds, then queues itself again.

Short runs on the lowest-priority queue keep staff alerts first: a worker busy with a big
broadcast picks up an alert within one run. Every message goes through the same claim-and-
resolve path as any delivery, so a worker killed mid-broadcast leaves nobody with two copies,
and numbers that said STOP are skipped at send time. The pace is a token bucket in Redis,
shared by every worker, counting segments; a 429 slows it down for everyone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from alerts.gsm import segments
from bot.ratelimit import TokenBucket
from bot.store.schema import broadcasts, deliveries
from workers.context import JobContext
from workers.delivery import Again, deliver, lease

log = logging.getLogger(__name__)

RUN_SECONDS = 1.0  # then yield the worker, so alerts queued meanwhile go first
PAGE = 50
_FINAL = ("sent", "delivered", "undelivered", "failed")


async def send_batch(ctx: JobContext, broadcast_id: int) -> timedelta | None:
    """Send the broadcast's next messages; say when to run again (None: it is finished)."""
    bucket = TokenBucket(ctx.redis, "resident-sms", ctx.runtime.settings.sms_rate_per_second)
    stop_at = time.monotonic() + RUN_SECONDS
    sent = 0
    while time.monotonic() < stop_at:
        keys = await _next_keys(ctx, broadcast_id)
        if not keys:
            break
        for key, body in keys:
            sent += 1
            wait = await asyncio.to_thread(bucket.reserve, segments(body))
            if wait > 0:
                await asyncio.sleep(wait)  # pacing to the sender's throughput, by design
            result = await deliver(ctx, key, ctx.runtime.settings.retry_backoff)
            if isinstance(result, Again) and result.throttled:
                await asyncio.to_thread(bucket.slow_down)
            if time.monotonic() >= stop_at:
                break
    return await _next_run(ctx, broadcast_id, idle=sent == 0)


async def _next_keys(ctx: JobContext, broadcast_id: int) -> list[tuple[str, str]]:
    now = ctx.clock()
    stale = now - lease(ctx.runtime.settings.provider_timeout)
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(select(deliveries.c.key, deliveries.c.body).where(
            deliveries.c.batch_id == broadcast_id,
            (deliveries.c.status == "pending")
            | ((deliveries.c.status.in_(("retry", "unsure")))
               & (deliveries.c.next_attempt_at <= now))
            | ((deliveries.c.status == "sending") & (deliveries.c.claimed_at < stale)))
            .order_by(deliveries.c.key).limit(PAGE))
        return [(row.key, row.body) for row in rows]


async def _next_run(ctx: JobContext, broadcast_id: int, idle: bool) -> timedelta | None:
    now = ctx.clock()
    async with ctx.engine.begin() as conn:
        remaining = (await conn.execute(select(func.count(), func.min(deliveries.c.next_attempt_at))
                                        .where(deliveries.c.batch_id == broadcast_id,
                                               deliveries.c.status.not_in(_FINAL)))).one()
        if remaining[0] == 0:
            await conn.execute(update(broadcasts).where(broadcasts.c.id == broadcast_id,
                                                        broadcasts.c.status == "sending")
                               .values(status="done", finished_at=now))
            log.info("broadcast B-%d is done", broadcast_id)
            return None
    waiting_until: datetime | None = remaining[1]
    if waiting_until is not None and waiting_until > now:
        return waiting_until - now
    # Nothing ready for this lane (another holds the last claims): look again in a second.
    return timedelta(seconds=1) if idle else timedelta(0)
