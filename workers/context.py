"""What a job needs, opened per job and closed after it.

rq runs each job in a fresh event loop (and, with the forking worker, in a fresh process),
so database engines and HTTP sessions cannot be shared between jobs: each job opens its own.
The settings come from the `CmsWorker` that runs the job, never from a module global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.notify.base import Notifier
from bot.notify.factory import open_notifiers
from bot.settings import Settings
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from bot.store.outbox import OutboxStore

_settings: ContextVar[Settings] = ContextVar("cmsbot_job_settings")


@dataclass(frozen=True)
class JobContext:
    """The stores and notifiers one job works with."""

    settings: Settings
    deliveries: DeliveryStore
    notifiers: dict[str, Notifier]
    clock: Callable[[], datetime]


@contextmanager
def job_settings(settings: Settings) -> Iterator[None]:
    """Make `settings` the ones jobs see while the block runs (set by the worker per job)."""
    token = _settings.set(settings)
    try:
        yield
    finally:
        _settings.reset(token)


def current_settings() -> Settings:
    """The settings of the worker running this job."""
    try:
        return _settings.get()
    except LookupError:
        raise RuntimeError("cmsbot jobs run under `cmsbot worker`, which provides their "
                           "settings; a plain `rq worker` cannot run them") from None


@asynccontextmanager
async def open_job_context(settings: Settings,
                           clock: Callable[[], datetime] = utcnow) -> AsyncIterator[JobContext]:
    """Open the database and the provider clients for one job."""
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with open_notifiers(settings, OutboxStore(engine), clock) as notifiers:
            yield JobContext(settings, DeliveryStore(engine), notifiers, clock)
    finally:
        await engine.dispose()
