"""The Redis connection and the rq queues; jobs are enqueued by id, JSON-serialised."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from rq import Queue
from rq.job import JobStatus
from rq.serializers import JSONSerializer

from alerts.chains import Due
from bot.config.settings import Settings
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.queue.rq_internals import statuses_of
from bot.queue.unique_jobs import enqueue_unique

log = logging.getLogger(__name__)

# Listened to in this order. "live": a new shooting's first alerts (and support requests),
# which nothing may delay; "alerts": every other staff message and the chain steps; "replies":
# inbound SMS a webhook left for a worker; "default": redraws, takedown steps, status callbacks;
# "bulk": resident fan-out last.
QUEUES = ("live", "alerts", "replies", "default", "bulk")
SEND_JOB = "workers.jobs.send_delivery"
STEP_JOB = "workers.jobs.run_chain_step"
REFRESH_JOB = "workers.jobs.refresh_posts"
TAKEDOWN_JOB = "workers.jobs.run_takedown_step"
BATCH_JOB = "workers.jobs.send_batch"
BROADCAST_START_JOB = "workers.jobs.start_broadcast"
INBOUND_JOB = "workers.jobs.answer_inbound"
DRAIN_JOB = "workers.jobs.drain_inbound"
STATUS_JOB = "workers.jobs.apply_status"
_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded server under CMSBOT_HOME (started if needed)."""
    return settings.redis_url or EmbeddedRedis(settings.home).ensure_running()


def connect(url: str, timeout: float | None = None) -> redis.Redis:
    """A Redis client whose connections carry this process's name; `timeout` bounds each call."""
    return redis.Redis.from_url(url, client_name=client_name(), health_check_interval=30,
                                socket_timeout=timeout, socket_connect_timeout=timeout)


def redis_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says Redis cannot be reached now (refused, timed out, still loading its
    data, password refused), rather than that a command was wrong (WRONGTYPE and the like)."""
    # redis-py files BusyLoadingError and AuthenticationError under its ConnectionError.
    return isinstance(exc, redis.ConnectionError | redis.TimeoutError)


def queue(connection: redis.Redis, name: str = "alerts") -> Queue:
    """One of cmsbot's queues."""
    return Queue(name, connection=connection, serializer=JSONSerializer)


def send_job_id(key: str) -> str:
    """The rq job id for a delivery: one live job per key, so enqueueing twice is harmless."""
    return f"send-{key}"


def enqueue_sends(connection: redis.Redis, keys: Iterable[str], at: datetime | None = None,
                  queue_name: str = "alerts", stale_after: timedelta | None = None) -> int:
    """Enqueue a send job per delivery key unless one is already live; return how many were added.

    `stale_after` is reconcile's: a job "started" longer ago than that belongs to a worker that
    was killed, and holds the id until rq notices, minutes later; the work gets a job under an
    id of its own. Two jobs for one key are harmless: the delivery's claim lets one send.
    Blocking (redis-py): call it from async code through `asyncio.to_thread`.
    """
    target = queue(connection, queue_name)
    return sum(enqueue_unique(target, SEND_JOB, (key,), send_job_id(key), at, stale_after)
               for key in keys)


def enqueue_inbound(connection: redis.Redis, sids: Iterable[str],
                    stale_after: timedelta | None = None) -> int:
    """A worker answers these kept SMS (their webhook answered without the reply)."""
    target = queue(connection, "replies")
    return sum(enqueue_unique(target, INBOUND_JOB, (sid,), f"inbound-{_digest(sid)}", None,
                              stale_after) for sid in sids)


def enqueue_status(connection: redis.Redis, provider_id: str, status: str,
                   code: str | None) -> bool:
    """A worker applies this delivery status callback (its webhook had no time or no database)."""
    job_id = f"status-{_digest(f'{provider_id}:{status}')}"
    return enqueue_unique(queue(connection, "default"), STATUS_JOB, (provider_id, status, code),
                          job_id, None)


def step_job_id(chain_id: int, step: int) -> str:
    """The rq job id of one chain step: each step runs once."""
    return f"chain-{chain_id}-{step}"


def schedule_steps(connection: redis.Redis, due: Iterable[Due], now: datetime,
                   stale_after: timedelta | None = None) -> int:
    """Schedule chain steps at their times (rq's scheduler runs them); return how many were added.

    A step already due by `now` is enqueued at once rather than scheduled in the past. A step
    is scheduled at its whole second, cut down: rq's scheduler, polling each second, then
    hands it over within a second either side of its time, and the step waits out the rest
    (bot.services.escalation), instead of up to two seconds late.
    """
    target = queue(connection, "alerts")
    return sum(enqueue_unique(target, STEP_JOB, (item.chain_id, item.step),
                               step_job_id(item.chain_id, item.step),
                               item.at.replace(microsecond=0) if item.at > now else None,
                               stale_after) for item in due)


def schedule_takedown_steps(connection: redis.Redis, steps: Iterable[tuple[int, datetime]],
                            now: datetime, stale_after: timedelta | None = None) -> int:
    """Schedule takedown steps at their times; a step due already is enqueued at once.

    The job id carries the due time, so moving a plan gives the step a new job and the old
    one finds the step not due (or already sent) and does nothing.
    """
    target = queue(connection, "default")
    return sum(enqueue_unique(target, TAKEDOWN_JOB, (step_id,),
                               f"tdstep-{step_id}-{int(at.timestamp())}",
                               at if at > now else None, stale_after)
               for step_id, at in steps)


def enqueue_batches(connection: redis.Redis, broadcast_id: int, lanes: int,
                    stale_after: timedelta | None = None) -> int:
    """Enqueue a broadcast's batch jobs on the lowest-priority queue, one per lane.

    Each lane's job id is stable: a lane re-queues itself until the broadcast is done, and
    reconcile can tell whether a lane is alive.
    """
    target = queue(connection, "bulk")
    return sum(enqueue_unique(target, BATCH_JOB, (broadcast_id,),
                               f"batch-{broadcast_id}-{lane}", None, stale_after)
               for lane in range(lanes))


def schedule_broadcast_start(connection: redis.Redis, broadcast_id: int, at: datetime,
                             now: datetime) -> bool:
    """Start a scheduled broadcast (an area notice) at its time."""
    return enqueue_unique(queue(connection, "default"), BROADCAST_START_JOB, (broadcast_id,),
                           f"bstart-{broadcast_id}", at if at > now else None)


def enqueue_refresh(connection: redis.Redis, incident_ids: Iterable[str], now: datetime) -> int:
    """Ask for the incidents' Slack posts to be redrawn from the current state.

    Redraws coalesce: a redraw still waiting will read the state as it is when it runs, so a
    second one is not needed; a redraw already running may have read the state before this
    change, so one more follows it. A busy incident costs two jobs at most, never one per tap.
    """
    target = queue(connection, "default")
    return sum(_enqueue_refresh(target, incident_id, now) for incident_id in set(incident_ids))


def _enqueue_refresh(target: Queue, incident_id: str, now: datetime) -> bool:
    return enqueue_coalesced(target, REFRESH_JOB, (incident_id,),
                             f"refresh-{_digest(incident_id)}", now)


def enqueue_coalesced(target: Queue, func: str, args: tuple[object, ...], base_id: str,
                      now: datetime) -> bool:
    """Ask for a job that reads the database when it runs (a redraw, a drain of deferred
    SMS): one already waiting will see whatever was committed before now, so no second one is
    needed; one already running may have read too early, so one more follows it. However often
    it is asked for, at most two jobs exist; the check is one round trip."""
    first, again = base_id, f"{base_id}-again"
    first_status, again_status = statuses_of(target, [first, again])
    if _WAITING & {first_status, again_status}:
        return False  # that job has not read the database yet: it will see this change
    if first_status != JobStatus.STARTED:
        return enqueue_unique(target, func, args, first, None)
    if again_status != JobStatus.STARTED:
        return enqueue_unique(target, func, args, again, None)
    # Both running (rare): one more under an id of its own.
    return enqueue_unique(target, func, args, f"{first}-{int(now.timestamp() * 1000)}", None)


def drain_inbound(connection: redis.Redis, now: datetime) -> bool:
    """Ask a worker to answer the kept SMS left for it (a drain of every deferred one)."""
    return enqueue_coalesced(queue(connection, "replies"), DRAIN_JOB, (), "inbound-drain", now)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
