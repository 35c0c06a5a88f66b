"""Redrawing an incident's Slack posts: one redraw at a time per incident, and each one lets
go of the incident when it is done, so the next change is redrawn at once, not a minute later."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.config.clock import utcnow
from workers.context import WorkerRuntime, open_job_context
from workers.posts import LOCKED_RETRY, refresh, refresh_lock_name


class ThreadPerCall(ThreadPoolExecutor):
    """Each blocking call on a thread of its own, as a busy pool may hand them out."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the waiting coroutine
                future.set_exception(exc)

        threading.Thread(target=run).start()
        return future


async def test_a_redraw_lets_go_of_the_incident_whichever_threads_it_ran_on(
        settings, sample_sites):
    asyncio.get_running_loop().set_default_executor(ThreadPerCall())  # this test's loop only
    runtime = WorkerRuntime(settings, sample_sites.sites, settings.redis_url or "", utcnow)
    async with open_job_context(runtime) as ctx:
        assert await refresh(ctx, "NYPD-1") is None
        assert not ctx.redis.exists(refresh_lock_name("NYPD-1"))
        # The next change's redraw runs now; it is not sent back to wait for a lock nobody holds.
        assert await refresh(ctx, "NYPD-1") != LOCKED_RETRY
