"""What cmsbot relies on in rq beyond its documented API, in one place.

rq documents enqueueing, statuses, registries and worker classes. cmsbot also depends on how
rq stores a job (a hash under `rq:job:<id>`, which a unique enqueue refuses to overwrite
whatever its `status`), on worker methods rq does not document as hooks, and on one private
worker attribute. Each is here behind a name of ours; tests/bot/queue/test_rq_internals.py
states each as a fact about rq, so an rq upgrade that changes one fails there, by name.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from redis.exceptions import WatchError
from rq import Queue
from rq.exceptions import DuplicateJobError, InvalidJobOperation, NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from rq.timeouts import BaseDeathPenalty, TimerDeathPenalty
from rq.worker import BaseWorker
from rq.worker_registration import REDIS_WORKER_KEYS

if TYPE_CHECKING:
    _Worker = BaseWorker  # the mixin's super() calls are checked against rq's worker
else:
    _Worker = object

# SIGALRM-based job timeouts (rq's default) only work in the main thread; a timer works in any.
THREAD_SAFE_TIMEOUTS: type[BaseDeathPenalty] = TimerDeathPenalty
# The set of every registered worker's hash key; a hash expires when heartbeats stop.
WORKERS_KEY: str = REDIS_WORKER_KEYS
_DEQUEUE_MARGIN = 15  # rq's blocking dequeue waits worker_ttl minus this


def job_key(job_id: str) -> str:
    """The Redis key of the hash rq keeps a job in."""
    return Job.key_for(job_id)


def add_unique(target: Queue, func: str, args: tuple[object, ...], job_id: str,
               at: datetime | None, **options: Any) -> bool:
    """Enqueue `func(*args)` under `job_id` (scheduled at `at` if given); False, adding
    nothing, if rq holds any hash under that id, live or finished or only remains."""
    try:
        if at is None:
            target.enqueue(func, *args, job_id=job_id, unique=True, **options)
        else:
            target.enqueue_at(not_before(at), func, *args, job_id=job_id, unique=True, **options)
    except DuplicateJobError:
        return False
    return True


def fetch_job(target: Queue, job_id: str) -> Job | None:
    """The job under `job_id`, or None: there is none, or only remains without its data."""
    try:
        return Job.fetch(job_id, connection=target.connection, serializer=JSONSerializer)
    except NoSuchJobError:  # rq raises it for a missing hash and for one without `data`
        return None


def status_of(target: Queue, job_id: str) -> JobStatus | None:
    """The stored status of the job under `job_id`; None if there is no runnable job.

    A hash without a `status` field (a job a worker touched as it expired) reads "created".
    """
    job = fetch_job(target, job_id)
    return job.get_status(refresh=False) if job is not None else None


def statuses_of(target: Queue, job_ids: Sequence[str]) -> list[JobStatus | None]:
    """The stored statuses of several jobs in one round trip (reads the job hashes' `status`
    field: None where there is no hash or no status)."""
    pipe = target.connection.pipeline(transaction=False)
    for job_id in job_ids:
        pipe.hget(job_key(job_id), "status")
    found: list[bytes | None] = pipe.execute()
    return [JobStatus(raw.decode()) if raw else None for raw in found]


def delete_job_if(target: Queue, job_id: str, statuses: Collection[JobStatus]) -> None:
    """Delete the job under `job_id` if its stored status is one of `statuses` (remains
    without data or status go too); a job whose hash changes meanwhile is left alone.

    Conditional (WATCH on the hash): two requests can both see the job finished and the
    first enqueue a new one under the id before the second deletes; it must not be deleted.
    """
    key = job_key(job_id)
    with target.connection.pipeline() as pipe:
        try:
            pipe.watch(key)  # type: ignore[no-untyped-call]
            job = fetch_job(target, job_id)
            if job is not None and job.get_status(refresh=False) not in statuses:
                return
            stored_status = pipe.hget(key, "status")  # immediate: the pipe is still watching
            pipe.multi()
            if job is None or stored_status is None:
                # rq's own delete needs the status to find the registries; remains have none
                # that points at them for long.
                pipe.delete(key)
            else:
                job.delete(pipeline=pipe)
            pipe.execute()
        except (WatchError, InvalidJobOperation):
            return  # it changed while we looked: the caller looks again


def scheduled_time(target: Queue, job: Job) -> datetime | None:
    """When the scheduler will enqueue `job` (its score in the scheduled registry); None if
    it is not scheduled (any more)."""
    registry: ScheduledJobRegistry = target.scheduled_job_registry
    try:
        return registry.get_scheduled_time(job)
    except NoSuchJobError:
        return None


def reschedule(target: Queue, job: Job, at: datetime) -> None:
    """Move a scheduled job to `at`; it stays scheduled, under its id."""
    target.scheduled_job_registry.schedule(job, not_before(at))


def not_before(at: datetime) -> datetime:
    """The time to schedule a job at so that the scheduler hands it over no sooner than `at`.

    rq keeps a scheduled time in whole seconds, cut down, and its scheduler hands over every
    job whose second has begun: a job for 12:00:00.9 could start at 12:00:00.0, find its step
    "not due" yet and wait for reconcile, minutes later. Rounded up, it starts at 12:00:01.
    """
    whole = at.replace(microsecond=0)
    return whole if whole == at else whole + timedelta(seconds=1)


def enqueue_now(target: Queue, job: Job) -> None:
    """Take a scheduled job out of the scheduled registry and onto its queue, in one step,
    as rq's scheduler does when the job falls due."""
    with target.connection.pipeline() as pipe:
        pipe.multi()  # enqueue_job with a pipeline expects one in MULTI already
        target.scheduled_job_registry.remove(job, pipeline=pipe)
        target.enqueue_job(job, pipeline=pipe)
        pipe.execute()


class QueueKeys(NamedTuple):
    """A queue's Redis keys, for counting without rq's registry clean-up (which writes)."""

    waiting: str  # a list of the ids of the jobs waiting for a worker
    scheduled: str  # a sorted set: job id -> when it falls due
    failed: str  # a sorted set: job id -> when rq forgets it


def queue_keys(target: Queue) -> QueueKeys:
    """The keys of `target`'s waiting list and of its scheduled and failed registries."""
    return QueueKeys(target.key, target.scheduled_job_registry.key,
                     target.failed_job_registry.key)


def worker_ttl_for_wait(seconds: int) -> int:
    """The worker_ttl under which rq blocks on the queues for `seconds` at a time: an idle
    worker runs its maintenance (cmsbot's reconcile) only between those waits."""
    return seconds + _DEQUEUE_MARGIN


def stopped_on_request(worker: BaseWorker) -> bool:
    """Whether the work loop ended because of a warm shutdown (SIGTERM, Ctrl-C), not an error.

    rq keeps this only in a private attribute: its public `shutdown_requested_date` is
    written to Redis only when the request came during a job.
    """
    return worker._shutdown_requested_date is not None


class WorkerHooks(_Worker):
    """A mixin, first among an rq worker class's bases, with hooks at three points of rq's
    loop that rq offers no hook for, and work() possible off the main thread."""

    def job_scope(self) -> AbstractContextManager[object]:
        """Entered around each job, in the process that runs it (the work horse if forking)."""
        return nullcontext()

    def after_maintenance(self) -> None:
        """Runs after rq's own maintenance: as the worker starts, then every
        maintenance_interval (between blocking waits on the queues)."""

    def before_teardown(self) -> None:
        """Runs once when the work loop ends, in the worker's own process."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        """rq's step that runs one job (and records its outcome), inside `job_scope`."""
        with self.job_scope():
            return super().perform_job(job, queue, execution)

    _in_maintenance = False

    def run_maintenance_tasks(self) -> None:
        """rq's periodic clean-up, then `after_maintenance`."""
        self._in_maintenance = True
        try:
            super().run_maintenance_tasks()  # type: ignore[no-untyped-call]
            self.after_maintenance()
        finally:
            self._in_maintenance = False

    def _shutdown(self) -> None:
        # rq stops an idle worker by raising StopRequested from the signal handler, wherever
        # the main thread is. Inside maintenance that is our reconcile's event loop, which
        # may swallow it (an exception in a loop callback is only logged), and the worker
        # would ignore SIGTERM. There, ask for the stop as rq does during a job: the work
        # loop checks for it right after maintenance.
        if self._in_maintenance:
            self._stop_requested = True
            return
        super()._shutdown()  # type: ignore[no-untyped-call]

    def _install_signal_handlers(self) -> None:
        # Signal handlers can only be set in the main thread; tests run burst workers in others.
        if threading.current_thread() is threading.main_thread():
            super()._install_signal_handlers()  # type: ignore[no-untyped-call]

    def teardown(self) -> None:
        """`before_teardown`, then rq's own (stop the scheduler, register the worker's death)."""
        try:
            self.before_teardown()
        finally:
            super().teardown()  # type: ignore[no-untyped-call]
