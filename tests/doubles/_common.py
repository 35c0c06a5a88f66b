"""Plumbing shared by the API doubles: a loopback aiohttp server and their clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from aiohttp import web

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock of the doubles: aware UTC now."""
    return datetime.now(UTC)


class LoopbackServer:
    """Serves `build_app()` on 127.0.0.1 with an ephemeral port, on the running event loop."""

    def __init__(self) -> None:
        self.port = 0
        # Set on exit so that handlers stalled on purpose (hang faults) return at once instead
        # of holding the runner's shutdown for the whole stall.
        self.closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        """The aiohttp application to serve; subclasses define their routes here."""
        raise NotImplementedError

    @property
    def origin(self) -> str:
        """Scheme, host and port of the running server, without a trailing slash."""
        if not self.port:
            raise RuntimeError("the double is not running; use it with `async with`")
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        """Start serving."""
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving and release stalled handlers."""
        self.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def stall(self, seconds: float) -> None:
        """Hold a response for `seconds`, or until the double shuts down."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), timeout=seconds)
