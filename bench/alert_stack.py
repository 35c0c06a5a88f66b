"""What rows 3 and 4 of the alert benchmark share: options and a fresh running service."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    Doubles,
    Service,
    api_doubles,
    bench_database,
    bench_redis,
    free_port,
    log_problems,
    running_service,
    service_env,
)
from bench.load_sites import LoadTeam, write_sites
from bot.sites_file import load_sites


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


@dataclass(frozen=True)
class Stack:
    """One benchmark's running service and what it runs against."""

    service: Service
    doubles: Doubles
    database: str
    env: dict[str, str]
    token: str
    teams: tuple[LoadTeam, ...]
    work: Path


# One result line: row, what, measured, goal, met.
Row = list[Any]


@contextlib.asynccontextmanager
async def service_stack(name: str, workers: int,
                        sites: Callable[[Path], None] | None = None,
                        web_processes: int = 1) -> AsyncIterator[Stack]:
    """Doubles, a fresh database and Redis db, `cmsbot serve` (with CMSBOT_WEB_PROCESSES) and
    N workers, on the load sites or those `sites(path)` writes.

    The process logs are kept (and their problems printed) when the block raises or the
    service logged a warning; otherwise they go.
    """
    work = Path(tempfile.mkdtemp(prefix=f"cmsbot-bench-{name}-"))
    teams = write_sites(work / "sites.yaml")
    if sites is not None:
        sites(work / "sites.yaml")
    load_sites(work / "sites.yaml")  # a broken sites file fails here, not in two processes
    token = secrets.token_urlsafe(24)
    logs: list[Path] = []
    clean = False
    try:
        async with api_doubles() as doubles, bench_database() as database, \
                bench_redis() as redis:
            env = service_env(home=work / "home", database_url=database, redis_url=redis,
                              port=free_port(), sites=work / "sites.yaml", api_token=token,
                              doubles=doubles)
            env["CMSBOT_WEB_PROCESSES"] = str(web_processes)
            async with running_service(env, workers, work) as service:
                logs = service.logs
                yield Stack(service, doubles, database, env, token, teams, work)
        clean = True
    finally:
        problems = log_problems(logs)
        if problems:
            print(f"{name}: the service logged {len(problems)} warning/error/traceback "
                  "line(s); first 40:")
            print("\n".join(problems[:40]))
        if clean and not problems:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"{name}: process logs kept in {work}")
