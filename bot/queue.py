"""The Redis connection and the rq queues; jobs are enqueued by id, JSON-serialised."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, InvalidJobOperation
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bot.embedded_redis import EmbeddedRedis, client_name
from bot.settings import Settings
from bot.store.chains import Due

log = logging.getLogger(__name__)

# Listened to in this order: alerts before anything else, resident fan-out last.
QUEUES = ("alerts", "default", "bulk")
SEND_JOB = "workers.jobs.send_delivery"
STEP_JOB = "workers.jobs.run_chain_step"
REFRESH_JOB = "workers.jobs.refresh_posts"
TAKEDOWN_JOB = "workers.jobs.run_takedown_step"
BATCH_JOB = "workers.jobs.send_batch"
BROADCAST_START_JOB = "workers.jobs.start_broadcast"
# rq's own retries are the safety net for crashes and outages the job did not expect;
# provider refusals are retried by the job itself (it returns a Retry with the right delay).
CRASH_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])
_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
_LIVE = _WAITING | {JobStatus.STARTED}


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded server under CMSBOT_HOME (started if needed)."""
    return settings.redis_url or EmbeddedRedis(settings.home).ensure_running()


def connect(url: str) -> redis.Redis:
    """A Redis client whose connections carry this process's name."""
    return redis.Redis.from_url(url, client_name=client_name(), health_check_interval=30)


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
    return sum(_enqueue_unique(target, SEND_JOB, (key,), send_job_id(key), at, stale_after)
               for key in keys)


def step_job_id(chain_id: int, step: int) -> str:
    """The rq job id of one chain step: each step runs once."""
    return f"chain-{chain_id}-{step}"


def schedule_steps(connection: redis.Redis, due: Iterable[Due], now: datetime,
                   stale_after: timedelta | None = None) -> int:
    """Schedule chain steps at their times (rq's scheduler runs them); return how many were added.

    A step already due by `now` is enqueued at once rather than scheduled in the past.
    """
    target = queue(connection, "alerts")
    return sum(_enqueue_unique(target, STEP_JOB, (item.chain_id, item.step),
                               step_job_id(item.chain_id, item.step),
                               item.at if item.at > now else None, stale_after) for item in due)


def schedule_takedown_steps(connection: redis.Redis, steps: Iterable[tuple[int, datetime]],
                            now: datetime, stale_after: timedelta | None = None) -> int:
    """Schedule takedown steps at their times; a step due already is enqueued at once.

    The job id carries the due time, so moving a plan gives the step a new job and the old
    one finds the step not due (or already sent) and does nothing.
    """
    target = queue(connection, "default")
    return sum(_enqueue_unique(target, TAKEDOWN_JOB, (step_id,),
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
    return sum(_enqueue_unique(target, BATCH_JOB, (broadcast_id,),
                               f"batch-{broadcast_id}-{lane}", None, stale_after)
               for lane in range(lanes))


def schedule_broadcast_start(connection: redis.Redis, broadcast_id: int, at: datetime,
                             now: datetime) -> bool:
    """Start a scheduled broadcast (an area notice) at its time."""
    return _enqueue_unique(queue(connection, "default"), BROADCAST_START_JOB, (broadcast_id,),
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
    first, again = f"refresh-{_digest(incident_id)}", f"refresh-{_digest(incident_id)}-again"
    first_status, again_status = (job.get_status(refresh=False) if job is not None else None
                                  for job in Job.fetch_many([first, again], target.connection,
                                                            serializer=JSONSerializer))
    if _WAITING & {first_status, again_status}:
        return False  # that redraw has not read the state yet: it will see this change
    if first_status != JobStatus.STARTED:
        return _enqueue_unique(target, REFRESH_JOB, (incident_id,), first, None)
    if again_status != JobStatus.STARTED:
        return _enqueue_unique(target, REFRESH_JOB, (incident_id,), again, None)
    # Both running (rare: each waits for the other's lock): one more under an id of its own.
    return _enqueue_unique(target, REFRESH_JOB, (incident_id,),
                           f"{first}-{int(now.timestamp() * 1000)}", None)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _enqueue_unique(target: Queue, func: str, args: tuple[object, ...], job_id: str,
                    at: datetime | None, stale_after: timedelta | None = None) -> bool:
    for _ in range(3):
        options = {"job_id": job_id, "unique": True, "retry": CRASH_RETRY, "result_ttl": 600,
                   "failure_ttl": 7 * 86400}
        try:
            if at is None:
                target.enqueue(func, *args, **options)
            else:
                target.enqueue_at(at, func, *args, **options)
            return True
        except DuplicateJobError:
            existing = Job.fetch_many([job_id], connection=target.connection,
                                      serializer=JSONSerializer)[0]
            if existing is not None and existing.get_status(refresh=False) == JobStatus.SCHEDULED:
                return _bring_forward(target, existing, at)
            if existing is not None and stale_after is not None and _held_by_the_dead(existing,
                                                                                     stale_after):
                # One take-over job a minute at most, however often reconcile looks.
                job_id = f"{job_id}-late{int(datetime.now(UTC).timestamp()) // 60}"
                stale_after = None
                continue
            if existing is not None and existing.get_status(refresh=False) in _LIVE:
                return False  # a live job will do it: enqueueing twice is harmless
            if existing is not None:
                _forget(target, existing)  # finished or failed: this attempt needs the id back
    return False


def _forget(target: Queue, job: Job) -> None:
    try:
        job.delete()
    except InvalidJobOperation:
        # It expired between our look and the delete, or all that is left is a stray field a
        # worker wrote after it expired: the hash goes, and rq's cleanup drops the registry entry.
        target.connection.delete(job.key)


def _held_by_the_dead(job: Job, stale_after: timedelta) -> bool:
    """A job "started" for longer than any run takes: its worker died without rq noticing yet.

    A job merely waiting its turn behind a backlog is not taken over: that would add a job per
    pass for every waiting one and make the backlog grow.
    """
    if job.get_status(refresh=False) != JobStatus.STARTED or job.started_at is None:
        return False
    return job.started_at < datetime.now(UTC) - stale_after


def _bring_forward(target: Queue, job: Job, at: datetime | None) -> bool:
    """A scheduled job asked for earlier (an escalation pulled forward) moves to the earlier time."""
    registry = target.scheduled_job_registry
    wanted = at or datetime.now(UTC)
    if registry.get_scheduled_time(job) <= wanted:
        return False
    if at is None:
        registry.remove(job)
        target.enqueue_job(job)  # due now: straight onto the queue, not via the scheduler's poll
    else:
        registry.schedule(job, wanted)
    return True
