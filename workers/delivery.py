"""Send one delivery at most once: claim it, resolve a doubtful earlier attempt, send, record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from alerts.phone import redact
from bot.notify.base import Permanent, Retryable, Unsure
from bot.store.deliveries import Delivery
from workers.context import JobContext

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # longer than any provider call (10 s timeout) can take
MAX_ATTEMPTS = 8
BACKOFF = (2, 5, 15, 30, 60, 120, 300, 600)


@dataclass(frozen=True)
class Again:
    """Try this delivery again after `delay`."""

    delay: timedelta


async def deliver(ctx: JobContext, key: str, backoff: tuple[int, ...] = BACKOFF) -> Again | None:
    """Send the delivery `key` unless it was sent already; say when to try again if needed."""
    store = ctx.deliveries
    claim = await store.claim(key, ctx.clock(), LEASE)
    if claim.state in ("done", "missing"):
        return None
    assert claim.delivery is not None
    delivery = claim.delivery
    if claim.state == "busy":
        return Again(claim.wait)
    notifier = ctx.notifiers[delivery.message.channel]
    if claim.state == "resolve":
        # An earlier attempt may have reached the provider (it timed out, or its worker died).
        since = delivery.claimed_at or ctx.clock()
        try:
            found = await notifier.find_sent(delivery.message, since)
        except Retryable as exc:
            log.warning("cannot check %s with the provider yet: %s", key, exc.reason)
            return Again(_delay(delivery.attempts, backoff, exc.retry_after))
        if found is not None:
            await store.mark_sent(key, found.provider_id, ctx.clock())
            return None
        if not await store.reclaim(delivery, ctx.clock()):
            return None  # another worker took it in the meantime
        return await _send(ctx, delivery, delivery.attempts + 1, backoff)
    return await _send(ctx, delivery, delivery.attempts, backoff)


async def _send(ctx: JobContext, delivery: Delivery, attempt: int,
                backoff: tuple[int, ...]) -> Again | None:
    store, message = ctx.deliveries, delivery.message
    who = redact(message.recipient) if message.channel == "sms" else message.recipient
    try:
        receipt = await ctx.notifiers[message.channel].send(message)
    except Permanent as exc:
        log.error("%s to %s failed for good: %s", message.key, who, exc.reason)
        await store.mark_failed(message.key, ctx.clock(), exc.code, exc.reason)
        return None
    except (Retryable, Unsure) as exc:
        retry_after = exc.retry_after if isinstance(exc, Retryable) else None
        delay = _delay(attempt, backoff, retry_after)
        if attempt >= MAX_ATTEMPTS:
            log.error("%s to %s: giving up after %d attempts: %s", message.key, who, attempt,
                      exc.reason)
            await store.mark_failed(message.key, ctx.clock(), exc.code,
                                    f"gave up after {attempt} attempts: {exc.reason}")
            return None
        mark = store.mark_retry if isinstance(exc, Retryable) else store.mark_unsure
        await mark(message.key, ctx.clock(), ctx.clock() + delay, exc.reason)
        log.warning("%s to %s: attempt %d did not go through (%s); again in %s", message.key, who,
                    attempt, exc.reason, delay)
        return Again(delay)
    await store.mark_sent(message.key, receipt.provider_id, ctx.clock())
    log.info("%s %s to %s sent as %s", message.kind, message.channel, who, receipt.provider_id)
    return None


def _delay(attempt: int, backoff: tuple[int, ...], retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0))
    return timedelta(seconds=backoff[min(max(attempt - 1, 0), len(backoff) - 1)])
