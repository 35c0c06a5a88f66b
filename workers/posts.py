"""Redraw an incident's Slack posts from the current state, one redraw at a time per incident."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta

from alerts.slack_blocks import incident_post
from bot.notify.base import DeliveryError, Permanent, PostUpdater, Retryable
from bot.queue.handoff import Work, hand_off
from bot.store.post_state import live_posts, post_state
from workers.context import JobContext

log = logging.getLogger(__name__)


async def refresh(ctx: JobContext, incident_id: str) -> timedelta | None:
    """Update every live post of the incident; say when to try again if Slack said not now."""
    updater: PostUpdater = ctx.notifiers["slack"]  # type: ignore[assignment]
    digest = hashlib.blake2b(incident_id.encode(), digest_size=8).hexdigest()
    # Read and write under one lock: two redraws racing could leave the older state on top.
    lock = ctx.redis.lock(f"cmsbot:refresh:{digest}", timeout=60, blocking_timeout=30)
    if not await asyncio.to_thread(lock.acquire):
        return timedelta(seconds=5)
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


def _release(lock: object) -> None:
    try:
        lock.release()  # type: ignore[attr-defined]
    except Exception:
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
