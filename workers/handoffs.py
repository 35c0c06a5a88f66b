"""The worker's periodic handoff check: tell whoever's on-call turn has just begun."""

from __future__ import annotations

import redis

from bot.services.handoffs import Handoffs
from bot.store.engine import open_engine
from workers.context import WorkerRuntime


async def check_handoffs(runtime: WorkerRuntime, connection: redis.Redis) -> int:
    """Run one check on the worker's clock; how many texts it queued."""
    if not runtime.sites.rotations:
        return 0
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=False)
    try:
        return await Handoffs(engine, runtime.live, connection, runtime.clock).check()
    finally:
        await engine.dispose()
