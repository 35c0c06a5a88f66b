"""Rebuild the jobs Redis should hold from the database, the source of truth.

Runs when a worker starts and every couple of minutes after: a delivery left pending because
Redis was down at ingest, a retry whose scheduled job vanished with a flushed Redis, or a
send whose worker was killed, all get a job again. Enqueueing is idempotent per key.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis

from bot.queue import enqueue_sends
from bot.settings import Settings
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from workers.delivery import LEASE

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=30)  # leave fresh work to the jobs already on their way


async def stuck_keys(settings: Settings, now: datetime) -> list[str]:
    """Delivery keys that are due and may lack a job."""
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        stuck = await DeliveryStore(engine).stuck(now, GRACE, LEASE)
    finally:
        await engine.dispose()
    return [delivery.message.key for delivery in stuck]


def enqueue_stuck(connection: redis.Redis, keys: list[str]) -> int:
    """Give every stuck delivery a job unless a live one exists; return how many were added."""
    added = enqueue_sends(connection, keys)
    if added:
        log.warning("reconcile: %d deliveries had no job in Redis; enqueued them again", added)
    return added
