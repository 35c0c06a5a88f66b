"""Twilio's status callbacks, offered as Twilio offers them: one signed "delivered" POST to the
service for every SMS the double accepts, each timed like any other webhook."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp

from bench.harness import RequestResult
from bench.twilio_double import StampedTwilio


class StatusCallbacks:
    """`async with StatusCallbacks(twilio) as callbacks:` posts a callback for each message
    accepted inside the block (and those in flight at its end); `results` times them."""

    def __init__(self, twilio: StampedTwilio, interval: float = 0.05,
                 settle: float = 60.0) -> None:
        self.results: list[RequestResult] = []
        self._twilio = twilio
        self._interval = interval
        self._settle = settle  # seconds the last callbacks get at exit: a deadline
        self._seen = len(twilio.messages)  # what was sent before the block is not ours
        self._posts: set[asyncio.Task[None]] = set()
        self._count = 0
        self._watcher: asyncio.Task[None] | None = None

    def _sweep(self) -> None:
        messages = self._twilio.messages
        for message in messages[self._seen:]:
            if message.status_callback:
                post = asyncio.create_task(self._deliver(self._count, message.sid))
                self._count += 1
                self._posts.add(post)
                post.add_done_callback(self._posts.discard)
        self._seen = len(messages)

    async def _deliver(self, index: int, sid: str) -> None:
        started = time.perf_counter()
        try:
            status = await self._twilio.deliver(sid, "delivered")
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.results.append(RequestResult(index, started, time.perf_counter() - started, 0,
                                              repr(exc)))
            return
        except asyncio.CancelledError:
            self.results.append(RequestResult(index, started, time.perf_counter() - started, 0,
                                              f"no answer within {self._settle:g} s of the end"))
            raise
        self.results.append(RequestResult(index, started, time.perf_counter() - started, status,
                                          "" if 200 <= status < 300 else f"HTTP {status}"))

    async def _watch(self) -> None:
        while True:
            self._sweep()
            await asyncio.sleep(self._interval)

    async def __aenter__(self) -> StatusCallbacks:
        self._watcher = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        self._sweep()
        if self._posts:
            _, late = await asyncio.wait(set(self._posts), timeout=self._settle)
            for post in late:
                post.cancel()
