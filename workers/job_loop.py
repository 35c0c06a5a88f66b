"""A worker's long-lived event loop, where its jobs run on pooled connections.

rq runs an `async def` job in a fresh event loop, so each job would open and close its own
database engine, Redis client and HTTP sessions: more time than most jobs' own work, and four
new database connections per job. A worker that runs jobs in its own process (the default,
not forking) keeps one loop on a thread of its own instead, with one `JobContext` open for as
long as the worker runs; each job hands its coroutine to that loop and waits for the answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from workers.context import JobContext, WorkerRuntime, open_job_context

T = TypeVar("T")

_POLL = 0.5  # how often the waiting thread wakes, so a job timeout can interrupt it


class JobLoop:
    """One event loop thread and one open `JobContext`, shared by the jobs of one worker."""

    def __init__(self, runtime: WorkerRuntime) -> None:
        self.runtime = runtime
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="cmsbot-jobs",
                                        daemon=True)
        self._stack = AsyncExitStack()
        self._context: JobContext | None = None

    def __enter__(self) -> JobLoop:
        self._thread.start()
        try:
            self._context = self._wait(self._open())
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self._wait(self._stack.aclose())
        finally:
            self._stop()

    def run(self, work: Callable[[JobContext], Awaitable[T]]) -> T:
        """Run one job's coroutine on the loop and return its result (or raise its error)."""
        if self._context is None:
            raise RuntimeError("the job loop is not open")
        context = self._context

        async def job() -> T:
            return await work(context)

        return self._wait(job())

    async def _open(self) -> JobContext:
        return await self._stack.enter_async_context(open_job_context(self.runtime, pooled=True))

    def _wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            while True:
                try:
                    return future.result(timeout=_POLL)
                except concurrent.futures.TimeoutError:
                    continue  # still running: wake now and then so rq's timer can interrupt us
        except BaseException:
            # A job timeout or a warm shutdown's second signal: stop the work, not just the wait.
            future.cancel()
            raise

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self._loop.close()
