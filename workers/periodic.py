"""The worker's periodic checks, run on each reconcile tick: page the coordinators about silent
incident sources (bot.services.feeds), and tell whoever's on-call turn has just begun
(bot.services.handoffs)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.feeds import FeedWatch
from bot.services.handoffs import Handoffs
from bot.store.engine import open_engine
from workers.context import WorkerRuntime


async def check_feeds(runtime: WorkerRuntime, connection: redis.Redis) -> int:
    """One feed check on the worker's clock; how many messages it queued."""
    if not runtime.sites.sources:
        return 0
    return await _on_engine(runtime, lambda engine: FeedWatch(
        engine, runtime.live, connection, runtime.clock).check())


async def check_handoffs(runtime: WorkerRuntime, connection: redis.Redis) -> int:
    """One handoff check on the worker's clock; how many texts it queued."""
    if not runtime.sites.rotations:
        return 0
    return await _on_engine(runtime, lambda engine: Handoffs(
        engine, runtime.live, connection, runtime.clock).check())


async def _on_engine(runtime: WorkerRuntime,
                     check: Callable[[AsyncEngine], Awaitable[int]]) -> int:
    # A tick runs outside the job loop (in rq's maintenance): an engine of its own.
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=False)
    try:
        return await check(engine)
    finally:
        await engine.dispose()
