"""What a job needs: the worker's runtime, and a context of open stores and clients.

A worker running jobs in its own process keeps one context open on a long-lived loop
(`workers.job_loop`); a forking worker's work horse opens one per job, in a fresh event loop.
Either way a job is a plain function that calls `run_job`. The settings, sites and clock come
from the worker running the job, never from a global.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.sites import Sites
from bot.config.settings import Settings
from bot.notify.base import Notifier
from bot.notify.factory import open_notifiers
from bot.queue.connection import connect
from bot.services.container import Services, build_services
from bot.services.live_sites import LiveSites, following, live
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from bot.store.outbox import OutboxStore

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerRuntime:
    """What a worker process loaded once and every job it runs shares."""

    settings: Settings
    given_sites: Sites | LiveSites
    redis_url: str
    clock: Callable[[], datetime]
    live: LiveSites = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "live", live(self.given_sites, self.clock))

    @property
    def sites(self) -> Sites:
        """The sites with the roster as last read."""
        return self.live.sites


@dataclass(frozen=True)
class JobContext:
    """The stores, notifiers and services one job works with."""

    runtime: WorkerRuntime
    engine: AsyncEngine
    redis: redis.Redis
    deliveries: DeliveryStore
    notifiers: dict[str, Notifier]
    services: Services

    @property
    def clock(self) -> Callable[[], datetime]:
        """The worker's clock."""
        return self.runtime.clock


class JobRunner(Protocol):
    """Runs a job's coroutine with a context kept open across jobs (`workers.job_loop.JobLoop`)."""

    def run(self, work: Callable[[JobContext], Awaitable[T]]) -> T:
        """Run `work` to the end and return its result."""
        ...


_runtime: ContextVar[WorkerRuntime] = ContextVar("cmsbot_worker_runtime")
_loop: ContextVar[JobRunner | None] = ContextVar("cmsbot_job_loop", default=None)


@contextmanager
def job_runtime(runtime: WorkerRuntime, loop: JobRunner | None = None) -> Iterator[None]:
    """Make `runtime` (and the worker's job loop, if it has one) what jobs see while the block
    runs (set by the worker per job)."""
    runtime_token, loop_token = _runtime.set(runtime), _loop.set(loop)
    try:
        yield
    finally:
        _loop.reset(loop_token)
        _runtime.reset(runtime_token)


def run_job(work: Callable[[JobContext], Awaitable[T]]) -> T:
    """Run a job's coroutine with a context: the worker's long-lived one, or one of its own."""
    loop = _loop.get()
    if loop is not None:
        return loop.run(work)
    runtime = current_runtime()

    async def once() -> T:
        async with open_job_context(runtime) as ctx:
            return await work(ctx)

    return asyncio.run(once())


def current_runtime() -> WorkerRuntime:
    """The runtime of the worker running this job."""
    try:
        return _runtime.get()
    except LookupError:
        raise RuntimeError("cmsbot jobs run under `cmsbot worker`, which provides their "
                           "settings; a plain `rq worker` cannot run them") from None


@asynccontextmanager
async def open_job_context(runtime: WorkerRuntime, *,
                           pooled: bool = False) -> AsyncIterator[JobContext]:
    """Open the database, Redis and the provider clients: for one job, or (`pooled`) for all
    the jobs of a worker's long-lived loop."""
    engine = open_engine(runtime.settings.sqlalchemy_url, pooled=pooled)
    connection = connect(runtime.redis_url)
    try:
        await _read_roster(runtime, engine)
        async with contextlib.AsyncExitStack() as stack:
            if pooled:
                # The worker's long-lived loop follows the roster; a one-job context read it
                # above.
                await stack.enter_async_context(following(runtime.live, engine))
            notifiers = await stack.enter_async_context(
                open_notifiers(runtime.settings, OutboxStore(engine), runtime.clock))
            services = build_services(runtime.settings, engine, runtime.live, connection,
                                      runtime.clock)
            yield JobContext(runtime, engine, connection, DeliveryStore(engine), notifiers,
                             services)
    finally:
        connection.close()
        await engine.dispose()


async def _read_roster(runtime: WorkerRuntime, engine: AsyncEngine) -> None:
    try:
        if runtime.live.revision is None:
            await runtime.live.load(engine, runtime.clock())
        else:
            await runtime.live.refresh(engine)
    except (OSError, SQLAlchemyError) as exc:
        # A job still runs (and fails on its own terms) with the roster last read.
        log.warning("roster not read (%s): using revision %s", type(exc).__name__,
                    runtime.live.revision)
