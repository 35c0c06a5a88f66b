"""Send one delivery at most once: claim it, resolve a doubtful earlier attempt, send, record."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from alerts.contacts import PHONE_CHANNELS
from alerts.phone import redact
from alerts.roster import is_unverified, unverified_alert
from bot.notify.base import DeliveryError, OptedOut, Permanent, Retryable
from bot.store.deliveries import Delivery
from workers.context import JobContext

log = logging.getLogger(__name__)

# A claim outlives any provider call (bounded by the provider timeout) by a wide margin: with
# the default 10 s timeout, a send claimed more than a minute ago has surely stopped.
LEASE_FACTOR = 6


def lease(provider_timeout: float) -> timedelta:
    """How long a claim protects a send from being taken over."""
    return timedelta(seconds=provider_timeout * LEASE_FACTOR)
# With the default backoff (2 s ... 10 min, then every 10 min) this keeps trying for about
# five and a half hours: long enough to ride out a provider outage, short enough that a
# message never arrives a day late.
MAX_ATTEMPTS = 40
BACKOFF = (2, 5, 15, 30, 60, 120, 300, 600)


@dataclass(frozen=True)
class Again:
    """Try this delivery again after `delay`; `throttled` when the provider said 429."""

    delay: timedelta
    throttled: bool = False


@dataclass(frozen=True)
class Failed:
    """The delivery failed for good: it never reached its recipient."""

    reason: str


async def deliver(ctx: JobContext, key: str,
                  backoff: tuple[int, ...] = BACKOFF) -> Again | Failed | None:
    """Send the delivery `key` unless it was sent already; say when to try again if needed."""
    claim = await ctx.deliveries.claim(key, ctx.clock(),
                                       lease(ctx.runtime.settings.provider_timeout))
    if claim.state in ("done", "missing"):
        return None
    assert claim.delivery is not None
    if claim.state == "busy":
        return Again(claim.wait)
    delivery = claim.delivery
    message = delivery.message
    # A member who texted STOP asked for no alerts: they are not called either.
    if message.channel in PHONE_CHANNELS and await ctx.deliveries.opted_out(message.recipient,
                                                                      message.sender):
        log.warning("%s: %s opted out (STOP); not sent", key, _who(delivery))
        await ctx.deliveries.mark_failed(key, ctx.clock(), "opted-out", "the recipient replied STOP")
        return Failed("opted out")
    sites = ctx.runtime.sites
    if message.kind != "consent" and message.channel in PHONE_CHANNELS \
            and is_unverified(sites, message.team_id, message.recipient):
        # The last guard for a number that never said YES (a typo, maybe): whatever was
        # written for it, it reads no place and no victims, and it is never called.
        if message.channel != "sms":
            await ctx.deliveries.mark_failed(key, ctx.clock(), "unverified",
                                             "the number has not replied YES")
            return Failed("unverified")
        team = sites.find_team(message.team_id)
        safe = unverified_alert(team.name if team else "CMS")
        if message.body != safe:
            message = replace(message, body=safe)
            delivery = replace(delivery, message=message)
    notifier = ctx.notifiers[message.channel]
    try:
        if claim.state == "resolve":
            # Any earlier attempt happened after the delivery was created: look from there.
            found = await notifier.find_sent(delivery.message, delivery.created_at)
            if found is not None:
                log.info("%s was already with the provider as %s", key, found.provider_id)
                await ctx.deliveries.mark_sent(key, found.provider_id, ctx.clock())
                return None
        receipt = await notifier.send(delivery.message)
    except DeliveryError as exc:
        return await record_failure(ctx, delivery, exc, backoff)
    await ctx.deliveries.mark_sent(key, receipt.provider_id, ctx.clock())
    log.info("%s %s to %s sent as %s", delivery.message.kind, delivery.message.channel,
             _who(delivery), receipt.provider_id)
    return None


async def record_failure(ctx: JobContext, delivery: Delivery, exc: DeliveryError,
                         backoff: tuple[int, ...]) -> Again | Failed | None:
    """Record a failed attempt: failed for good, or when to try again (asking first if unsure)."""
    store, key, attempt = ctx.deliveries, delivery.message.key, delivery.attempts
    if isinstance(exc, Permanent):
        log.error("%s to %s failed for good: %s", key, _who(delivery), exc.reason)
        await store.mark_failed(key, ctx.clock(), exc.code, exc.reason)
        if isinstance(exc, OptedOut):  # Twilio 21610: mirror it, so we stop trying too
            await store.record_opt_out(delivery.message.recipient, delivery.message.sender,
                                       ctx.clock(), f"Twilio {exc.code}")
        return Failed(exc.reason)
    if attempt >= MAX_ATTEMPTS:
        log.error("%s to %s: giving up after %d attempts: %s", key, _who(delivery), attempt,
                  exc.reason)
        await store.mark_failed(key, ctx.clock(), exc.code,
                                f"gave up after {attempt} attempts: {exc.reason}")
        return Failed(exc.reason)
    retry_after = exc.retry_after if isinstance(exc, Retryable) else None
    delay = _delay(attempt, backoff, retry_after)
    # "retry" when the provider surely did not take it; "unsure" makes the next attempt ask first.
    mark = store.mark_retry if isinstance(exc, Retryable) else store.mark_unsure
    await mark(key, ctx.clock(), ctx.clock() + delay, exc.reason)
    log.warning("%s to %s: attempt %d did not go through (%s); again in %s", key, _who(delivery),
                attempt, exc.reason, delay)
    return Again(delay, isinstance(exc, Retryable) and exc.throttled)


def _who(delivery: Delivery) -> str:
    message = delivery.message
    return redact(message.recipient) if message.channel in PHONE_CHANNELS else message.recipient


def _delay(attempt: int, backoff: tuple[int, ...], retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0))
    return timedelta(seconds=backoff[min(max(attempt - 1, 0), len(backoff) - 1)])
