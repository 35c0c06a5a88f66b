"""Workers for the rq behaviour tests: cmsbot's hooks counted, and ways to run them."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer

from bot.queue.rq_internals import THREAD_SAFE_TIMEOUTS, WorkerHooks
from tests.bot.queue.rq_jobs import IN_SCOPE
from tests.polling import eventually_sync


@contextmanager
def _inside() -> Iterator[None]:
    token = IN_SCOPE.set(True)
    try:
        yield
    finally:
        IN_SCOPE.reset(token)


class _Counting(WorkerHooks):
    """Counts rq's calls of the hooks; each job runs with IN_SCOPE set."""

    maintained = 0
    torn_down = 0

    def job_scope(self) -> AbstractContextManager[object]:
        return _inside()

    def after_maintenance(self) -> None:
        self.maintained += 1

    def before_teardown(self) -> None:
        self.torn_down += 1


class Probe(_Counting, SimpleWorker):
    """The in-process worker, as CmsWorker is built."""

    death_penalty_class = THREAD_SAFE_TIMEOUTS


class SignalledInMaintenance(Probe):
    """Gets a SIGTERM while its maintenance runs an event loop, as reconcile's does."""

    def after_maintenance(self) -> None:
        super().after_maintenance()
        if self.maintained == 1:
            async def signal_from_a_callback() -> None:
                # In a loop callback, an exception raised by the signal handler is only logged.
                asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)
                await asyncio.sleep(0)

            asyncio.run(signal_from_a_callback())


class ForkingProbe(_Counting, Worker):
    """The forking worker, as CmsForkingWorker is built."""


def probe(target: Queue, **options: Any) -> Probe:
    """An in-process worker on `target`."""
    return Probe([target], connection=target.connection, serializer=JSONSerializer, **options)


def work_in_a_thread(worker: SimpleWorker, **options: Any) -> None:
    """Run the worker (burst unless told otherwise) off the main thread, as the tests' do."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            worker.work(**{"burst": True, "logging_level": "WARNING", **options})
        except BaseException as exc:  # handed to the test below
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the worker did not finish within 60 s"
    if failures:
        raise failures[0]


def terminate_once_idle(worker: SimpleWorker) -> None:
    """SIGTERM to this process as soon as the worker (in the main thread) waits for work."""
    def watch() -> None:
        eventually_sync(lambda: worker.connection.hget(worker.key, "state") == b"idle",
                        "the worker to wait for work", within=30, interval=0.02)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()
