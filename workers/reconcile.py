"""Rebuild the jobs Redis should hold from the database, the source of truth.

Runs when a worker starts and every couple of minutes after: a delivery left pending because
Redis was down at ingest, a retry or chain step whose scheduled job vanished with a flushed
Redis, or a send whose worker was killed, all get a job again. Work that is overdue gets a job
with an id of its own for this pass (a killed worker's job may still hold the usual id until rq
notices it is dead); running twice is harmless, the database decides what is still to do.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from sqlalchemy import select

from alerts.chains import Due
from alerts.states import BroadcastStatus
from bot.queue.connection import (
    drain_inbound,
    enqueue_batches,
    enqueue_inbound,
    enqueue_sends,
    schedule_broadcast_start,
    schedule_steps,
    schedule_takedown_steps,
)
from bot.queue.spool import spool_inbound, take_inbound
from bot.services.broadcasts import LANES
from bot.services.container import build_services
from bot.store import chains, inbound, takedowns
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from bot.store.outage import database_unreachable
from bot.store.schema import broadcasts, deliveries
from workers.context import WorkerRuntime
from workers.delivery import lease

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=30)  # leave fresh work to the jobs already on their way
HORIZON = timedelta(minutes=5)  # steps due this soon are checked; later ones on a later pass
# A shooting's first alerts (and support requests) still unsent this soon after they were
# made go on the live queue, ahead of everything else; older ones are no longer news.
URGENT_KINDS = frozenset({"alert", "need"})
FRESH = timedelta(minutes=15)


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
    urgent: list[str] = field(default_factory=list)  # a fresh shooting's alerts: the live queue
    inbound: list[str] = field(default_factory=list)  # kept SMS nobody answered
    drain: bool = False  # kept SMS left for the drain have waited: make sure a drain runs


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
            waiting = await inbound.waiting(conn, now - GRACE)
            drain = await inbound.deferred_since(conn, now - GRACE)
    finally:
        await engine.dispose()
    urgent = {d.message.key for d in stuck if d.message.kind in URGENT_KINDS
              and d.created_at > now - FRESH}
    return Work([d.message.key for d in stuck if d.message.key not in urgent], due,
                [(s.id, s.at) for s in steps], now, sending, scheduled, stalled, sorted(urgent),
                waiting, drain)


def enqueue_work(connection: redis.Redis, work: Work, stale_after: timedelta) -> int:
    """Give every piece of found work a job unless a live one exists; return how many were added.

    Overdue work whose job has been "started" for longer than `stale_after` (the lease) gets
    a job of its own: the worker running it was killed.
    """
    overdue = work.now - GRACE
    added = (
        enqueue_sends(connection, work.urgent, queue_name="live", stale_after=stale_after)
        + enqueue_sends(connection, work.keys, stale_after=stale_after)
        + enqueue_inbound(connection, work.inbound, stale_after)
        + (drain_inbound(connection, work.now) if work.drain else 0)
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


async def drain_spool(runtime: WorkerRuntime, connection: redis.Redis, count: int = 500) -> int:
    """Store the inbound SMS a webhook spooled while the database was down, and queue each to be
    answered; give back what the database still cannot take. Return how many were stored."""
    forms = await asyncio.to_thread(take_inbound, connection, count)
    if not forms:
        return 0
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=False)
    inbox = build_services(runtime.settings, engine, runtime.live, connection,
                           runtime.clock).sms_inbox
    stored: list[str] = []
    try:
        for position, form in enumerate(forms):
            try:
                kept = await inbox.keep(form)
            except Exception as exc:
                if not database_unreachable(exc):
                    raise
                for rest in forms[position:]:  # still down: back into the spool for next time
                    await asyncio.to_thread(spool_inbound, connection, rest,
                                            runtime.clock().timestamp())
                break
            if kept.fresh:
                stored.append(kept.message.sid)
    finally:
        await engine.dispose()
    await asyncio.to_thread(enqueue_inbound, connection, stored)
    if stored:
        log.warning("reconcile: %d inbound SMS kept while the database was down are stored "
                    "and queued to be answered", len(stored))
    return len(stored)
