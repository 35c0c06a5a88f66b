"""What rows 3 and 4 of the alert benchmark share: options and a fresh running service."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import conclude
from bench.load_sites import write_sites
from bench.stack import Stack, fresh_service
from bot.config.sites_file import load_sites


@dataclass(frozen=True)
class Options:
    """Which rows to run and with how much load."""

    only: str | None
    incidents: int | None
    rate: float
    concurrency: int
    workers: int
    replay_concurrency: int | None
    replay_limit: int | None
    seed: int
    web_processes: int = 1


# One result line: row, what, measured, goal, met.
Row = list[Any]


@contextlib.asynccontextmanager
async def service_stack(name: str, workers: int,
                        sites: Callable[[Path], None] | None = None,
                        web_processes: int = 1) -> AsyncIterator[Stack]:
    """A fresh service (`cmsbot serve` with CMSBOT_WEB_PROCESSES, N workers) on the load sites
    (`load_sites.build_teams()`) or those `sites(path)` writes.

    The process logs are kept (and their problems printed) when the block raises or the
    service logged a warning; otherwise they go.
    """
    work = Path(tempfile.mkdtemp(prefix=f"cmsbot-bench-{name}-"))
    write_sites(work / "sites.yaml")
    if sites is not None:
        sites(work / "sites.yaml")
    load_sites(work / "sites.yaml")  # a broken sites file fails here, not in two processes
    logs: list[Path] = []
    clean = False
    try:
        async with fresh_service(work, workers, web_processes) as stack:
            logs = stack.service.logs
            yield stack
        clean = True
    finally:
        conclude(clean, logs, work, prefix=f"{name}: ")
