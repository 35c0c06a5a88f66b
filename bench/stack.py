"""A fresh service to benchmark: the API doubles, a new database and Redis db, `cmsbot serve`
and N x `cmsbot worker` on a sites file already written."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench.harness import (
    Doubles,
    Service,
    api_doubles,
    bench_database,
    bench_redis,
    free_port,
    running_service,
    service_env,
)


@dataclass(frozen=True)
class Stack:
    """One benchmark's running service and what it runs against."""

    service: Service
    doubles: Doubles
    database: str
    env: dict[str, str]
    token: str
    work: Path


@contextlib.asynccontextmanager
async def fresh_service(work: Path, workers: int, web_processes: int | None = None,
                        twilio_connections: int = 100) -> AsyncIterator[Stack]:
    """Everything on `work / "sites.yaml"`, logs in `work`; CMSBOT_WEB_PROCESSES when given;
    Twilio's webhooks through a pool of `twilio_connections` (0: no limit)."""
    token = secrets.token_urlsafe(24)
    async with api_doubles(twilio_connections) as doubles, bench_database() as database, \
            bench_redis() as redis:
        env = service_env(home=work / "home", database_url=database, redis_url=redis,
                          port=free_port(), sites=work / "sites.yaml", api_token=token,
                          doubles=doubles)
        if web_processes is not None:
            env["CMSBOT_WEB_PROCESSES"] = str(web_processes)
        async with running_service(env, workers, work) as service:
            yield Stack(service, doubles, database, env, token, work)
