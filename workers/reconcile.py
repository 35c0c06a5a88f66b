"""Rebuild the jobs Redis should hold from the database, the source of truth.

Runs when a worker starts and every couple of minutes after: a delivery left pending because
Redis was down at ingest, a retry or chain step whose scheduled job vanished with a flushed
Redis, or a send whose worker was killed, all get a job again. Work that is overdue gets a job
with an id of its own for this pass (a killed worker's job may still hold the usual id until rq
notices it is dead); running twice is harmless, the database decides what is still to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from sqlalchemy import select

from alerts.chains import Due
from alerts.states import BroadcastStatus
from bot.queue.connection import (
    enqueue_batches,
    enqueue_sends,
    schedule_broadcast_start,
    schedule_steps,
    schedule_takedown_steps,
)
from bot.services.broadcasts import LANES
from bot.store import chains, takedowns
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from bot.store.schema import broadcasts, deliveries
from workers.context import WorkerRuntime
from workers.delivery import lease

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=30)  # leave fresh work to the jobs already on their way
HORIZON = timedelta(minutes=5)  # steps due this soon are checked; later ones on a later pass


@dataclass(frozen=True)
class Work:
    """What the database says should have a job."""

    keys: list[str]
    due: list[Due]
    takedown_steps: list[tuple[int, datetime]]
    now: datetime
    sending: list[int] = field(default_factory=list)
    scheduled: list[tuple[int, datetime]] = field(default_factory=list)
    stalled: list[int] = field(default_factory=list)


async def find_work(runtime: WorkerRuntime) -> Work:
    """Deliveries due and maybe without a job; chain and takedown steps due within the horizon."""
    now = runtime.clock()
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=False)
    try:
        stuck = await DeliveryStore(engine).stuck(now, GRACE,
                                                  lease(runtime.settings.provider_timeout))
        async with engine.connect() as conn:
            due = await chains.due_before(conn, now + HORIZON)
            steps = await takedowns.due_steps(conn, now + HORIZON)
            sending = list(await conn.scalars(select(broadcasts.c.id).where(
                broadcasts.c.status == BroadcastStatus.SENDING)))
            # A broadcast none of whose messages moved for a while has lost its batch jobs.
            moved = set(await conn.scalars(select(deliveries.c.batch_id).where(
                deliveries.c.updated_at > now - GRACE,
                deliveries.c.batch_id.in_(sending)))) if sending else set()
            stalled = [b for b in sending if b not in moved]
            scheduled = [(row.id, row.send_at) for row in await conn.execute(
                select(broadcasts.c.id, broadcasts.c.send_at).where(
                    broadcasts.c.status == BroadcastStatus.SCHEDULED,
                    broadcasts.c.send_at < now + HORIZON))]
    finally:
        await engine.dispose()
    return Work([d.message.key for d in stuck], due, [(s.id, s.at) for s in steps], now,
                sending, scheduled, stalled)


def enqueue_work(connection: redis.Redis, work: Work, stale_after: timedelta) -> int:
    """Give every piece of found work a job unless a live one exists; return how many were added.

    Overdue work whose job has been "started" for longer than `stale_after` (the lease) gets
    a job of its own: the worker running it was killed.
    """
    overdue = work.now - GRACE
    added = (
        enqueue_sends(connection, work.keys, stale_after=stale_after)
        + schedule_steps(connection, [d for d in work.due if d.at >= overdue], work.now)
        + schedule_steps(connection, [d for d in work.due if d.at < overdue], work.now, stale_after)
        + schedule_takedown_steps(connection, [s for s in work.takedown_steps if s[1] >= overdue],
                                  work.now)
        + schedule_takedown_steps(connection, [s for s in work.takedown_steps if s[1] < overdue],
                                  work.now, stale_after)
        + sum(enqueue_batches(connection, broadcast, LANES) for broadcast in work.sending)
        + sum(enqueue_batches(connection, broadcast, 1, stale_after) for broadcast in work.stalled)
        + sum(schedule_broadcast_start(connection, broadcast, at, work.now)
              for broadcast, at in work.scheduled))
    if added:
        log.warning("reconcile: %d jobs were missing from Redis; enqueued them again", added)
    return added
