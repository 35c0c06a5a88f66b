"""Redraw an incident's Slack posts from the current state, one redraw at a time per incident."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta

from redis.exceptions import LockError
from redis.lock import Lock

from alerts.slack_blocks import incident_post
from bot.notify.base import DeliveryError, Permanent, PostUpdater, Retryable
from bot.queue.handoff import Work, hand_off
from bot.store.post_state import live_posts, post_state
from workers.context import JobContext

log = logging.getLogger(__name__)

LOCKED_RETRY = timedelta(seconds=2)  # when another redraw of the incident holds the lock


def refresh_lock_name(incident_id: str) -> str:
    """The Redis lock held while an incident's posts are redrawn."""
    return f"cmsbot:refresh:{hashlib.blake2b(incident_id.encode(), digest_size=8).hexdigest()}"


async def refresh(ctx: JobContext, incident_id: str) -> timedelta | None:
    """Update every live post of the incident; say when to try again if Slack said not now."""
    updater: PostUpdater = ctx.notifiers["slack"]  # type: ignore[assignment]
    # Read and write under one lock: two redraws racing could leave the older state on top.
    # Never wait for it: a worker waiting here is a worker not sending a new shooting's
    # alerts (a lock left by a killed worker lasts a minute). The redraw tries again later.
    # Not thread-local: it is taken and let go on whichever pool threads to_thread picks, and
    # a thread-local lock let go on another thread stays held (the error is swallowed below).
    lock = ctx.redis.lock(refresh_lock_name(incident_id), timeout=60, thread_local=False)
    if not await asyncio.to_thread(lock.acquire, blocking=False):
        return LOCKED_RETRY
    try:
        async with ctx.engine.connect() as conn:
            state = await post_state(conn, incident_id, ctx.runtime.sites)
            posts = await live_posts(conn, incident_id)
        if state is None:
            return None
        for post in posts:
            message = incident_post(state, ctx.runtime.sites.tz, post.team_id)
            try:
                await updater.update(post.channel, post.ts, message.text, message.blocks)
            except Permanent as exc:
                log.error("cannot update the post of %s in %s: %s", incident_id, post.channel,
                          exc.reason)
            except DeliveryError as exc:
                wait = exc.retry_after if isinstance(exc, Retryable) else None
                log.warning("Slack did not take the update of %s (%s)", incident_id, exc.reason)
                return timedelta(seconds=wait if wait is not None else 5)
        return None
    finally:
        await asyncio.to_thread(_release, lock)


def _release(lock: Lock) -> None:
    try:
        lock.release()
    except LockError:  # it outlived its timeout (and may be someone else's now)
        log.debug("refresh lock had already expired")


async def catch_up(ctx: JobContext, key: str) -> None:
    """A post that went out after people had already acted shows their actions at once."""
    delivery = await ctx.deliveries.get(key)
    if delivery is None or delivery.message.kind != "alert" or delivery.message.channel != "slack":
        return
    incident_id = delivery.message.incident_id or ""
    async with ctx.engine.connect() as conn:
        state = await post_state(conn, incident_id, ctx.runtime.sites)
    if state is not None and state.events:
        await hand_off(ctx.redis, Work(refresh=[incident_id]), ctx.clock())
