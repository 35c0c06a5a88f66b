"""One live rq job per id: enqueue unless a live job holds the id, and take the id back from
a finished one without ever deleting a job another process has just made live.

rq's `unique=True` refuses an id whose hash exists, whatever state the job is in. Ingest, the
inbox and reconcile all ask for the same work again and again; this module decides, per ask,
whether the job that holds the id will do the work, or whether the id must be freed first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.exceptions import WatchError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

# rq's own retries are the safety net for crashes and outages the job did not expect;
# provider refusals are retried by the job itself (it returns a Retry with the right delay).
CRASH_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])
_LIVE = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED}
# Ids these hold can be taken back. "created" is never stored by a unique enqueue (its script
# writes the hash queued or scheduled at once): it is what rq reads from remains without a status.
_FREE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED,
         JobStatus.CREATED}


def enqueue_unique(target: Queue, func: str, args: tuple[object, ...], job_id: str,
                   at: datetime | None, stale_after: timedelta | None = None) -> bool:
    """Enqueue (or schedule at `at`) unless a live job holds `job_id`; return whether one was added.

    A scheduled job asked for earlier is brought forward. With `stale_after`, a job "started"
    longer ago than that (its worker died) is taken over by a job under an id of its own.
    """
    for _ in range(4):
        options = {"job_id": job_id, "unique": True, "retry": CRASH_RETRY, "result_ttl": 600,
                   "failure_ttl": 7 * 86400}
        try:
            if at is None:
                target.enqueue(func, *args, **options)
            else:
                target.enqueue_at(at, func, *args, **options)
            return True
        except DuplicateJobError:
            existing = fetch(target, job_id)
            status = existing.get_status(refresh=False) if existing is not None else None
            if existing is not None and status == JobStatus.SCHEDULED:
                return _bring_forward(target, existing, at)
            if existing is not None and stale_after is not None and _held_by_the_dead(existing,
                                                                                     stale_after):
                # One take-over job a minute at most, however often reconcile looks.
                job_id = f"{job_id}-late{int(datetime.now(UTC).timestamp()) // 60}"
                stale_after = None
                continue
            if status in _LIVE:
                return False  # a live job will do it: enqueueing twice is harmless
            free_id(target, job_id)  # finished or failed: this attempt needs the id back
    return False


def fetch(target: Queue, job_id: str) -> Job | None:
    """The job under `job_id`, or None: there is none, or only remains no worker could run."""
    try:
        return Job.fetch(job_id, connection=target.connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def status_of(target: Queue, job_id: str) -> JobStatus | None:
    """The status of the job under `job_id`; None if there is no runnable job."""
    job = fetch(target, job_id)
    return job.get_status(refresh=False) if job is not None else None


def free_id(target: Queue, job_id: str) -> None:
    """Delete the finished or failed job (or remains without a status or data) under `job_id`.

    Conditional (WATCH): two requests can both see the job finished, and the first enqueue a
    new one under the id before the second deletes; the second must not delete the new job.
    """
    with target.connection.pipeline() as pipe:
        try:
            key = Job.key_for(job_id)
            pipe.watch(key)  # type: ignore[no-untyped-call]
            job = fetch(target, job_id)
            if job is not None and job.get_status(refresh=False) not in _FREE:
                return  # live again: someone enqueued it meanwhile
            stored_status = pipe.hget(key, "status")  # immediate: the pipe is still watching
            pipe.multi()
            if job is None or stored_status is None:
                pipe.delete(key)  # remains: nothing else of rq's points at them for long
            else:
                job.delete(pipeline=pipe)
            pipe.execute()
        except (WatchError, InvalidJobOperation):
            return  # it changed while we looked (another request freed it): the caller looks again


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
