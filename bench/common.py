"""Small pieces several benchmarks share: their command line, CPU meters, polling, and how late
an open-loop request left."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
import psutil

from bench.harness import RequestResult


def option_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of `python -m bench NAME`, its module docstring as the description."""
    return argparse.ArgumentParser(prog=f"python -m bench {name}", description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def open_session() -> aiohttp.ClientSession:
    """A client session with a 60 s timeout and no connection cap: a pool queue in this
    process would be timed as service latency."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                 connector=aiohttp.TCPConnector(limit=0))


class CpuMeter:
    """CPU seconds used by some processes and, with `family`, their descendants (rq's work
    horses; a web process's forked siblings)."""

    def __init__(self, pids: Sequence[int], family: bool = True) -> None:
        self._processes = [psutil.Process(pid) for pid in pids]
        self._family = family

    def seconds(self) -> float:
        """User + system time so far, reaped children included."""
        total = 0.0
        for process in self._processes:
            try:
                family = [process, *(process.children(recursive=True) if self._family else ())]
            except psutil.NoSuchProcess:
                continue
            for member in family:
                try:
                    t = member.cpu_times()
                except psutil.NoSuchProcess:
                    continue  # a work horse that ended between the listing and the reading
                total += t.user + t.system
                if self._family:
                    total += t.children_user + t.children_system
        return total


async def wait_until(done: Callable[[], bool | Awaitable[bool]], within: float,
                     interval: float = 0.1, must: bool = False) -> bool:
    """Poll `done()` (sync or async) every `interval` s until it is true or `within` s pass;
    whether it came true (with `must`, RuntimeError when it did not)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = done()
        if not isinstance(result, bool):
            result = await result
        if result:
            return True
        await asyncio.sleep(interval)
    if must:
        raise RuntimeError(f"not settled within {within:g} s")
    return False


def schedule_lags(streams: Sequence[Sequence[RequestResult]], start: float,
                  offered_over: float) -> list[float]:
    """How late each request of `paced` streams left against its schedule, in seconds."""
    lags = []
    for results in streams:
        step = offered_over / max(len(results), 1)
        lags += [r.started - (start + r.index * step) for r in results]
    return lags
