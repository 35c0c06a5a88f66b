"""One live rq job per id: enqueue unless a live job holds the id, and take the id back from
a finished one without ever deleting a job another process has just made live.

rq's `unique=True` refuses an id whose hash exists, whatever state the job is in. Ingest, the
inbox and reconcile all ask for the same work again and again; this module decides, per ask,
whether the job that holds the id will do the work, or whether the id must be freed first.
What it relies on in rq beyond the documented API is in `bot.queue.rq_internals`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq import Queue, Retry
from rq.job import Job, JobStatus

from bot.queue.rq_internals import (
    add_unique,
    delete_job_if,
    enqueue_now,
    fetch_job,
    reschedule,
    scheduled_time,
)

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
        if add_unique(target, func, args, job_id, at, retry=CRASH_RETRY, result_ttl=600,
                      failure_ttl=7 * 86400):
            return True
        existing = fetch_job(target, job_id)
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


def free_id(target: Queue, job_id: str) -> None:
    """Delete the finished or failed job (or remains without a status or data) under `job_id`;
    a job someone has made live again meanwhile stays."""
    delete_job_if(target, job_id, _FREE)


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
    wanted = at or datetime.now(UTC)
    current = scheduled_time(target, job)
    if current is None or current <= wanted:
        return False  # due by then already (or the scheduler just enqueued it)
    if at is None:
        enqueue_now(target, job)  # due now: straight onto the queue, not via the scheduler's poll
    else:
        reschedule(target, job, wanted)
    return True
