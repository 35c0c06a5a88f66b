"""The rq worker that runs cmsbot's jobs: it hands them their settings and reconciles on a timer."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from contextlib import AbstractContextManager
from typing import Any

import redis
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer
from sqlalchemy.exc import SQLAlchemyError

from bot.queue.connection import QUEUES, queue
from bot.queue.rq_internals import (
    THREAD_SAFE_TIMEOUTS,
    WorkerHooks,
    stopped_on_request,
    worker_ttl_for_wait,
)
from workers.context import JobContext, WorkerRuntime, job_runtime, open_job_context
from workers.delivery import lease
from workers.job_loop import JobLoop
from workers.periodic import check_feeds, check_handoffs
from workers.reconcile import drain_spool, enqueue_work, find_work

log = logging.getLogger(__name__)


class _CmsWorkerMixin(WorkerHooks):
    runtime: WorkerRuntime
    connection: redis.Redis

    def job_scope(self) -> AbstractContextManager[object]:
        return job_runtime(self.runtime, self.job_loop())

    def job_loop(self) -> JobLoop | None:
        """The loop jobs run on; None: each job opens its own (in a forked work horse)."""
        return None

    def after_maintenance(self) -> None:
        reconcile(self.runtime, self.connection)


class CmsForkingWorker(_CmsWorkerMixin, Worker):
    """Forks a work horse per job, like `rq worker` (`cmsbot worker --fork`): a job that
    crashes the interpreter cannot take the worker with it, at the price of reopening every
    connection per job."""


class CmsWorker(_CmsWorkerMixin, SimpleWorker):
    """Runs jobs in its own process, on one long-lived loop with pooled connections."""

    # Job timeouts must work in any thread: the tests run burst workers off the main one.
    death_penalty_class = THREAD_SAFE_TIMEOUTS
    _loop: JobLoop | None = None

    def job_loop(self) -> JobLoop:
        # Opened after rq has forked its scheduler (at the first maintenance, as the worker
        # starts, or the first job): no fork with our thread.
        if self._loop is None:
            self._loop = JobLoop(self.runtime).__enter__()
            # Before the first dequeue: the first alert meets open connections and compiled
            # statements, not a cold worker.
            self._loop.run(warm)
        return self._loop

    def after_maintenance(self) -> None:
        self.job_loop()
        super().after_maintenance()

    def before_teardown(self) -> None:
        try:
            if self._loop is not None:
                self._loop.__exit__(None, None, None)
        finally:
            self._loop = None


def build_worker(runtime: WorkerRuntime, connection: redis.Redis, *, fork: bool = False,
                 **options: Any) -> SimpleWorker | Worker:
    """A worker on all of cmsbot's queues, in priority order."""
    worker_class = CmsForkingWorker if fork else CmsWorker
    every = runtime.settings.reconcile_seconds
    worker = worker_class(
        [queue(connection, name) for name in QUEUES], connection=connection,
        serializer=JSONSerializer, maintenance_interval=every,
        # Reconcile runs between rq's blocking waits on the queues: one wait per interval.
        worker_ttl=worker_ttl_for_wait(every), **options,
    )
    worker.runtime = runtime
    return worker


RESTART_CEILING = 30.0  # seconds between attempts to start again, at most


def work_until_stopped(runtime: WorkerRuntime, connection: redis.Redis, *, fork: bool = False,
                       burst: bool = False) -> None:
    """Run the worker until it is told to stop (SIGTERM, Ctrl-C) or, in burst mode, runs dry.

    rq quits its loop on an error it does not expect, such as Redis restarting while the
    worker writes its heartbeat. A worker that quietly ended there would leave every alert
    unsent until someone noticed, so it starts again (with a new rq worker, once Redis
    answers); reconcile then restores whatever the restart lost.
    """
    delay = 1.0
    while True:
        worker = build_worker(runtime, connection, fork=fork)
        worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
        if burst or stopped_on_request(worker):
            return
        log.error("the worker stopped on an error; starting again in %.0f s", delay)
        time.sleep(delay)  # a pause between restarts, so a lasting outage is not a busy loop
        delay = min(delay * 2, RESTART_CEILING)


async def warm(ctx: JobContext) -> None:
    """What the first jobs would otherwise pay for: a pool connection per send in flight, the
    claim's and the lookups' statements compiled, the provider clients' lazy imports."""
    await asyncio.gather(*(ctx.deliveries.get("") for _ in range(2)))
    await ctx.deliveries.claim("", ctx.clock(), lease(ctx.runtime.settings.provider_timeout))
    for notifier in ctx.notifiers.values():
        getattr(getattr(notifier, "client", None), "messages", None)  # twilio's lazy import


def warm_up(runtime: WorkerRuntime) -> None:
    """Import and initialise, once, what every job needs, before any work horse is forked.

    rq imports a job's function in the horse; without this every job would pay for importing
    the Twilio and Slack SDKs, the database drivers and our own modules: most of a second.
    """
    importlib.import_module("workers.jobs")

    async def touch() -> None:
        async with open_job_context(runtime) as ctx:
            await warm(ctx)  # a first query loads the SQL dialect and compiler

    try:
        asyncio.run(touch())
    except (OSError, SQLAlchemyError, redis.RedisError) as exc:
        log.warning("warm-up skipped (%s): jobs will load what they need", type(exc).__name__)


def reconcile(runtime: WorkerRuntime, connection: redis.Redis) -> int:
    """Enqueue every due delivery and chain step that has no live job; return how many.
    Then run the periodic checks (workers.periodic): silent feeds, on-call handoffs."""
    try:
        added = enqueue_work(connection, asyncio.run(find_work(runtime)),
                             lease(runtime.settings.provider_timeout))
        added += asyncio.run(drain_spool(runtime, connection))
    except (OSError, SQLAlchemyError, redis.RedisError) as exc:
        # The database or Redis is away; the next timer tick tries again.
        log.error("reconcile failed, will retry: %s", exc)
        added = 0
    for check, what in ((check_feeds, "feed"), (check_handoffs, "handoff")):
        try:
            # Silent feeds page the coordinators, a new on-call turn is told to its person:
            # their messages are queued here, on this tick.
            asyncio.run(check(runtime, connection))
        except (OSError, SQLAlchemyError, redis.RedisError) as exc:
            log.error("%s check failed, will retry: %s", what, exc)
    return added
