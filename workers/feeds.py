"""The worker's periodic feed check: page the coordinators about silent incident sources."""

from __future__ import annotations

import redis

from bot.services.feeds import FeedWatch
from bot.store.engine import open_engine
from workers.context import WorkerRuntime


async def check_feeds(runtime: WorkerRuntime, connection: redis.Redis) -> int:
    """Run one check on the worker's clock; how many messages it queued."""
    if not runtime.sites.sources:
        return 0
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=False)
    try:
        return await FeedWatch(engine, runtime.live, connection, runtime.clock).check()
    finally:
        await engine.dispose()
