"""How late this process's event loop runs: the time a ready request waits to be looked at.

A task sleeps `INTERVAL` at a time and records how much later than asked it woke; anything
that holds the loop (blocking code, a flood of callbacks) shows as that lateness. The worst of
the last few seconds is `cmsbot_event_loop_lag_seconds` and feeds `/readyz` (alerts.load).

A wake-up that is overdue right now counts too: while the loop is still held, the monitor
cannot record anything, and a probe served in that same turn of the loop must see the stall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Gauge

from alerts.load import WINDOW, RecentPeak
from bot.ops.metrics import register

INTERVAL = 0.1  # seconds: short enough to catch a stall, cheap enough to forget


class LoopLag:
    """The lag monitor of one app: `run()` in its cleanup_ctx, `worst(now)` for readiness."""

    def __init__(self, clock: Callable[[], datetime], registry: CollectorRegistry, *,
                 interval: float = INTERVAL, window: timedelta = WINDOW) -> None:
        self._clock = clock
        self._interval = interval
        self._peaks = RecentPeak(window)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due = 0.0  # the loop time the monitor asked to wake at
        gauge = Gauge("cmsbot_event_loop_lag_seconds",
                      f"Worst lateness of this web process's event loop in the last "
                      f"{window.total_seconds():g} s.", registry=None)
        gauge.set_function(lambda: self.worst(self._clock()))
        register(registry, gauge)

    async def run(self) -> None:
        """Measure until cancelled."""
        loop = self._loop = asyncio.get_running_loop()
        try:
            while True:
                self._due = loop.time() + self._interval
                await asyncio.sleep(self._interval)
                self._peaks.record(self._clock(), max(loop.time() - self._due, 0.0))
        finally:
            self._loop = None

    def worst(self, now: datetime) -> float:
        """The worst lag, in seconds, within the window before `now`, the pending wake-up's
        lateness included."""
        overdue = max(self._loop.time() - self._due, 0.0) if self._loop is not None else 0.0
        return max(self._peaks.peak(now), overdue)
