"""What a job needs, opened per job and closed after it.

rq runs each job in a fresh event loop (and, with the forking worker, in a fresh process),
so database engines and HTTP sessions cannot be shared between jobs: each job opens its own.
The settings, sites and clock come from the `CmsWorker` running the job, never from a global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.sites import Sites
from bot.broadcasts import Broadcaster
from bot.escalation import Escalator
from bot.notify.base import Notifier
from bot.notify.factory import open_notifiers
from bot.queue import connect
from bot.settings import Settings
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from bot.store.outbox import OutboxStore
from bot.takedown_steps import StepRunner


@dataclass(frozen=True)
class WorkerRuntime:
    """What a worker process loaded once and every job it runs shares."""

    settings: Settings
    sites: Sites
    redis_url: str
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class JobContext:
    """The stores, notifiers and services one job works with."""

    runtime: WorkerRuntime
    engine: AsyncEngine
    redis: redis.Redis
    deliveries: DeliveryStore
    notifiers: dict[str, Notifier]
    escalator: Escalator
    takedowns: StepRunner
    broadcaster: Broadcaster

    @property
    def clock(self) -> Callable[[], datetime]:
        """The worker's clock."""
        return self.runtime.clock


_runtime: ContextVar[WorkerRuntime] = ContextVar("cmsbot_worker_runtime")


@contextmanager
def job_runtime(runtime: WorkerRuntime) -> Iterator[None]:
    """Make `runtime` what jobs see while the block runs (set by the worker per job)."""
    token = _runtime.set(runtime)
    try:
        yield
    finally:
        _runtime.reset(token)


def current_runtime() -> WorkerRuntime:
    """The runtime of the worker running this job."""
    try:
        return _runtime.get()
    except LookupError:
        raise RuntimeError("cmsbot jobs run under `cmsbot worker`, which provides their "
                           "settings; a plain `rq worker` cannot run them") from None


@asynccontextmanager
async def open_job_context(runtime: WorkerRuntime) -> AsyncIterator[JobContext]:
    """Open the database, Redis and the provider clients for one job."""
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=False)
    connection = connect(runtime.redis_url)
    try:
        async with open_notifiers(runtime.settings, OutboxStore(engine), runtime.clock) as notifiers:
            yield JobContext(runtime, engine, connection, DeliveryStore(engine), notifiers,
                             Escalator(engine, runtime.sites, connection, runtime.clock),
                             StepRunner(engine, runtime.sites, connection, runtime.clock),
                             Broadcaster(engine, runtime.sites, connection, runtime.clock,
                                         runtime.settings.sms_rate_per_second))
    finally:
        connection.close()
        await engine.dispose()
