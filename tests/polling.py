"""Waiting in tests: poll something a user or operator could observe until a deadline.

Nothing in the suite sleeps for a guessed time. `eventually` (in an event loop) and
`eventually_sync` (outside one) call a probe until its value is accepted, return that value,
and otherwise raise TimeoutError naming what was awaited and the last value seen. A probe may
be a coroutine function; the deadline bounds each await too, so a probe that hangs (a read
from a silent process) fails on time instead of holding the test.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")
_NOTHING = object()  # no probe finished yet
_SHOWN = 2000  # characters of the last value a failure shows (the end: the latest output)


@overload
async def eventually(probe: Callable[[], Awaitable[T]], what: str, *,
                     until: Callable[[T], object] = ..., within: float = ...,
                     interval: float = ...) -> T: ...
@overload
async def eventually(probe: Callable[[], T], what: str, *, until: Callable[[T], object] = ...,
                     within: float = ..., interval: float = ...) -> T: ...
async def eventually(probe: Callable[[], object], what: str, *,
                     until: Callable[[Any], object] = bool, within: float = 30.0,
                     interval: float = 0.02) -> Any:
    """Return `probe()` (awaited, if it is a coroutine) once `until` accepts it; TimeoutError
    naming `what` and the last value seen after `within` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: object = _NOTHING
    while True:
        value = probe()
        if inspect.isawaitable(value):
            try:
                async with asyncio.timeout_at(deadline):
                    value = await value
            except TimeoutError:
                raise _timed_out(what, within, last) from None
        last = value
        if until(value):
            return value
        if loop.time() >= deadline:
            raise _timed_out(what, within, last)
        # The poll interval: it lets the servers, processes and workers under test run.
        await asyncio.sleep(interval)


def eventually_sync(probe: Callable[[], T], what: str, *, until: Callable[[T], object] = bool,
                    within: float = 5.0, interval: float = 0.01) -> T:
    """`eventually` for tests without an event loop: the probe is a plain function."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if until(value):
            return value
        if time.monotonic() >= deadline:
            raise _timed_out(what, within, value)
        time.sleep(interval)  # the poll interval, bounded by the deadline


def _timed_out(what: str, within: float, last: object) -> TimeoutError:
    if last is _NOTHING:
        seen = "no answer yet"
    elif isinstance(last, str):  # output: its end is what happened last
        seen = "\n" + (last if len(last) <= _SHOWN else "..." + last[-_SHOWN:])
    else:
        shown = repr(last)
        seen = shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "..."
    return TimeoutError(f"timed out after {within:g} s waiting for {what}; last seen: {seen}")
