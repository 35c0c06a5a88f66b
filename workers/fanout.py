"""Sending a broadcast: a batch job sends for about a second, then queues itself again.

Short runs on the lowest-priority queue keep staff alerts first: a worker busy with a big
broadcast picks up an alert within one run. A run works in pages: one statement claims a page
(pending, or a retry that is due, becomes "sending": the same compare-and-set as any delivery's
claim, skipping rows the other lane is claiming), one query checks the page for numbers that
said STOP, the messages go to the provider concurrently, and one statement records the
receipts. A worker killed mid-page leaves claims that, past their lease, are resolved one at a
time through `deliver` (ask the provider first), so nobody gets two copies. The pace is a token
bucket in Redis, shared by every worker, counting segments; a page takes its tokens at once, so
with a rate set a page (and the bucket) is a tenth of a second's worth; a 429 slows it down for
everyone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from alerts.delivery_states import FINAL
from alerts.gsm import segments
from alerts.states import BroadcastStatus
from bot.notify.base import DeliveryError, Receipt
from bot.queue.ratelimit import TokenBucket
from bot.store.deliveries import Delivery
from bot.store.schema import broadcasts, deliveries
from workers.context import JobContext
from workers.delivery import Again, deliver, lease, record_failure

log = logging.getLogger(__name__)

RUN_SECONDS = 1.0  # then yield the worker, so alerts queued meanwhile go first
PAGE = 200  # deliveries claimed at once when no rate is set
PACED_PAGE = 0.1  # with a rate set, a page is this many seconds of it: bursts stay small
IN_FLIGHT = 32  # provider calls at once per worker; the SDK's session allows 100


async def send_batch(ctx: JobContext, broadcast_id: int) -> timedelta | None:
    """Send the broadcast's next messages; say when to run again (None: it is finished)."""
    rate = ctx.runtime.settings.sms_rate_per_second
    # A burst of one page, not a second's worth: a broadcast is a steady stream, and a second
    # sent at once would only wait in the provider's queue, twice the rate in that second.
    bucket = TokenBucket(ctx.redis, "resident-sms", rate, burst=max(1.0, rate * PACED_PAGE))
    size = PAGE if bucket.unlimited else max(1, min(PAGE, int(rate * PACED_PAGE)))
    claim_lease = lease(ctx.runtime.settings.provider_timeout)
    stop_at = time.monotonic() + RUN_SECONDS
    sent = 0
    while time.monotonic() < stop_at:
        # Pending or due for a retry, claimed as `deliver` would claim one.
        page = await ctx.deliveries.claim_batch(broadcast_id, ctx.clock(), size)
        if page:
            wait = await asyncio.to_thread(bucket.reserve,
                                           sum(segments(d.message.body) for d in page))
            if wait > 0:
                await asyncio.sleep(wait)  # pacing to the sender's throughput, by design
            throttled = await _send_page(ctx, page)
            sent += len(page)
        else:
            # Whose last attempt may have reached the provider: unsure, or a dead worker's claim.
            doubtful = await ctx.deliveries.doubtful_in_batch(broadcast_id, ctx.clock(),
                                                              claim_lease, size)
            if not doubtful:
                break
            throttled = await _resolve(ctx, bucket, doubtful, stop_at)
            sent += len(doubtful)
        if throttled:
            await asyncio.to_thread(bucket.slow_down)
    return await _next_run(ctx, broadcast_id, idle=sent == 0)


async def _send_page(ctx: JobContext, page: list[Delivery]) -> bool:
    """Send a claimed page (skipping STOPs) and record it; True if the provider said 429."""
    stopped = await _opted_out(ctx, page)
    if stopped:
        await _mark_opted_out(ctx, stopped)
    live = [d for d in page if d.message.key not in stopped]
    gate = asyncio.Semaphore(IN_FLIGHT)
    outcomes = await asyncio.gather(*(_send(ctx, gate, d) for d in live))
    await _mark_sent(ctx, [(d.message.key, o.provider_id) for d, o in zip(live, outcomes,
                                                                          strict=True)
                           if isinstance(o, Receipt)])
    throttled = False
    for delivery, outcome in zip(live, outcomes, strict=True):
        if isinstance(outcome, DeliveryError):
            result = await record_failure(ctx, delivery, outcome,
                                          ctx.runtime.settings.retry_backoff)
            throttled |= isinstance(result, Again) and result.throttled
    return throttled


async def _send(ctx: JobContext, gate: asyncio.Semaphore,
                delivery: Delivery) -> Receipt | DeliveryError:
    async with gate:
        try:
            return await ctx.notifiers[delivery.message.channel].send(delivery.message)
        except DeliveryError as exc:
            return exc


async def _opted_out(ctx: JobContext, page: list[Delivery]) -> set[str]:
    """Keys of the page whose number said STOP to its sender (checked at send time)."""
    wanted: dict[tuple[str, str], str] = {(d.message.recipient, d.message.sender): d.message.key
                                          for d in page}
    return {wanted[pair] for pair in await ctx.deliveries.opted_out_among(wanted)}


async def _mark_opted_out(ctx: JobContext, keys: set[str]) -> None:
    log.warning("%d broadcast recipient(s) opted out (STOP); not sent", len(keys))
    await ctx.deliveries.mark_all_failed(keys, ctx.clock(), "opted-out",
                                         "the recipient replied STOP")


async def _mark_sent(ctx: JobContext, receipts: list[tuple[str, str]]) -> None:
    """The provider took these: one statement for the page (executemany)."""
    if not receipts:
        return
    await ctx.deliveries.mark_all_sent(receipts, ctx.clock())
    log.info("%d broadcast messages sent", len(receipts))


async def _resolve(ctx: JobContext, bucket: TokenBucket, keys: list[tuple[str, str]],
                   stop_at: float) -> bool:
    """One at a time through `deliver`, which asks the provider before sending again."""
    throttled = False
    for key, body in keys:
        wait = await asyncio.to_thread(bucket.reserve, segments(body))
        if wait > 0:
            await asyncio.sleep(wait)
        result = await deliver(ctx, key, ctx.runtime.settings.retry_backoff)
        throttled |= isinstance(result, Again) and result.throttled
        if time.monotonic() >= stop_at:
            break
    return throttled


async def _next_run(ctx: JobContext, broadcast_id: int, idle: bool) -> timedelta | None:
    now = ctx.clock()
    async with ctx.engine.begin() as conn:
        remaining = (await conn.execute(select(func.count(), func.min(deliveries.c.next_attempt_at))
                                        .where(deliveries.c.batch_id == broadcast_id,
                                               deliveries.c.status.not_in(FINAL)))).one()
        if remaining[0] == 0:
            await conn.execute(update(broadcasts).where(broadcasts.c.id == broadcast_id,
                                                        broadcasts.c.status == BroadcastStatus.SENDING)
                               .values(status=BroadcastStatus.DONE, finished_at=now))
            log.info("broadcast B-%d is done", broadcast_id)
            return None
    waiting_until: datetime | None = remaining[1]
    if waiting_until is not None and waiting_until > now:
        return waiting_until - now
    # Nothing ready for this lane (another holds the last claims): look again in a second.
    return timedelta(seconds=1) if idle else timedelta(0)
