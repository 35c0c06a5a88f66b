"""Handing committed work to rq: the one place a use case's sends, steps and redraws are queued.

A use case writes its work to the database in its transaction, then hands it over here once the
transaction has committed. The database is the source of truth: if Redis cannot take the work,
the worker's reconcile enqueues the sends, steps and broadcasts from the database later, so the
failure is logged (saying what was not queued) and the request that did the work still succeeds.
A missed redraw of a Slack post is made good by the incident's next change.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime

import redis

from alerts.chains import Due
from bot.queue.connection import (
    drain_inbound,
    enqueue_batches,
    enqueue_inbound,
    enqueue_refresh,
    enqueue_sends,
    schedule_broadcast_start,
    schedule_steps,
    schedule_takedown_steps,
)

log = logging.getLogger(__name__)


@dataclass
class Work:
    """What a use case hands to rq after its transaction commits."""

    sends: list[str] = field(default_factory=list)  # delivery keys
    # The sends are a new shooting's first alerts (or a call for support): the live queue.
    urgent: bool = False
    steps: list[Due] = field(default_factory=list)  # chain steps
    refresh: list[str] = field(default_factory=list)  # incidents whose Slack posts to redraw
    takedown_steps: list[tuple[int, datetime]] = field(default_factory=list)
    batches: list[tuple[int, int]] = field(default_factory=list)  # (broadcast, lanes)
    broadcast_starts: list[tuple[int, datetime]] = field(default_factory=list)
    inbound: list[str] = field(default_factory=list)  # kept SMS for a worker to answer
    drain: bool = False  # kept SMS left for the workers' drain of deferred ones

    def __bool__(self) -> bool:
        return any((self.sends, self.steps, self.refresh, self.takedown_steps, self.batches,
                    self.broadcast_starts, self.inbound, self.drain))

    def summary(self) -> str:
        """"3 sends, 1 chain step" for a log line."""
        counts = [(len(self.sends), "send"), (len(self.steps), "chain step"),
                  (len(self.refresh), "Slack redraw"), (len(self.takedown_steps), "takedown step"),
                  (len(self.batches), "broadcast"), (len(self.broadcast_starts), "broadcast start"),
                  (len(self.inbound) + self.drain, "SMS to answer")]
        return ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in counts if n) \
            or "nothing"


async def hand_off(connection: redis.Redis, work: Work, now: datetime,
                   executor: Executor | None = None) -> None:
    """Queue committed work; if Redis cannot take it, say so (reconcile queues it later).

    Only an unreachable Redis is absorbed here: any other error is a bug and propagates.
    Blocking calls run in a thread (of `executor`, or the loop's default pool), so the event
    loop never waits on Redis; a new shooting's hand-off gets threads of its own, which a flood
    of replies queueing their work cannot hold.
    """
    if not work:
        return
    try:
        await asyncio.get_running_loop().run_in_executor(
            executor, functools.partial(enqueue, connection, work, now))
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        log.error("could not queue %s (%s: %s); reconcile will queue them from the database",
                  work.summary(), type(exc).__name__, exc)


def enqueue(connection: redis.Redis, work: Work, now: datetime) -> None:
    """Queue the work now (blocking); the sends first, since alerts cannot wait."""
    enqueue_sends(connection, work.sends, queue_name="live" if work.urgent else "alerts")
    enqueue_inbound(connection, work.inbound)
    if work.drain:
        drain_inbound(connection, now)
    schedule_steps(connection, work.steps, now)
    schedule_takedown_steps(connection, work.takedown_steps, now)
    for broadcast_id, lanes in work.batches:
        enqueue_batches(connection, broadcast_id, lanes)
    for broadcast_id, at in work.broadcast_starts:
        schedule_broadcast_start(connection, broadcast_id, at, now)
    enqueue_refresh(connection, work.refresh, now)
