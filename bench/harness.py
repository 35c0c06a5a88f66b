"""Reusable parts of a benchmark: the API doubles, a fresh PostgreSQL database and Redis db,
the real `cmsbot serve` and `cmsbot worker` processes, pacing, and reporting.

Everything is an async context manager that cleans up in its own `finally`, so a benchmark
nests them and a crash or Ctrl-C still drops the database and stops the processes.

The service runs the code of the tree `bench` was imported from. rq's work horses import the job
modules from disk for every job, so editing that tree during a run mixes versions; to measure
a commit while working, run from a copy (`git archive HEAD | tar -x -C DIR`, plus `bench/`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import aiohttp
import asyncpg  # type: ignore[import-untyped]
import redis.asyncio as aioredis
from rq.worker_registration import REDIS_WORKER_KEYS
from sqlalchemy.engine import make_url

from bench.twilio_double import StampedTwilio
from bot.config.settings import Settings
from bot.store.engine import open_engine
from bot.store.migrate import upgrade
from tests.doubles import SlackApiDouble

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent

# Credentials the doubles and the service share; they only ever meet on loopback.
ACCOUNT_SID = "AC" + "b" * 32
TWILIO_TOKEN = "bench-twilio-auth-token"  # noqa: S105
STAFF_FROM = "+12125550199"
RESIDENT_FROM = "+12125550198"
SLACK_TOKEN = "xoxb-bench-token"  # noqa: S105
SIGNING_SECRET = "bench-slack-signing-secret"  # noqa: S105


# The API doubles -------------------------------------------------------------------------

@dataclass(frozen=True)
class Doubles:
    """Twilio's and Slack's APIs, served by this process on its event loop."""

    twilio: StampedTwilio
    slack: SlackApiDouble


@contextlib.asynccontextmanager
async def api_doubles(twilio_connections: int = 100) -> AsyncIterator[Doubles]:
    """Start both doubles on the running loop (real time: the service keeps the real clock);
    Twilio's webhooks go out through a pool of `twilio_connections` (0: no limit)."""
    async with StampedTwilio(ACCOUNT_SID, TWILIO_TOKEN, twilio_connections) as twilio, \
            SlackApiDouble(bot_token=SLACK_TOKEN) as slack:
        yield Doubles(twilio, slack)


# PostgreSQL and Redis --------------------------------------------------------------------

@contextlib.asynccontextmanager
async def bench_database(base_url: str | None = None) -> AsyncIterator[str]:
    """A new, migrated database `cmsbot_bench_<random>` next to `base_url`; dropped at the end."""
    base = base_url or os.environ.get("CMSBOT_BENCH_POSTGRES_URL",
                                      "postgresql://postgres@127.0.0.1:5432/test")
    admin = make_url(base).set(drivername="postgresql")
    admin_dsn = admin.render_as_string(hide_password=False)
    name = f"cmsbot_bench_{uuid.uuid4().hex[:10]}"
    await _admin(admin_dsn, f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        engine = open_engine(Settings(database_url=url).sqlalchemy_url, pooled=False)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        yield url
    finally:
        # FORCE: a process that did not stop cleanly must not keep the database alive.
        await _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


CLAIM = "cmsbot:test-run"  # the key test runs claim a database with (tests/conftest.py)


@contextlib.asynccontextmanager
async def bench_redis(url: str | None = None) -> AsyncIterator[str]:
    """A Redis database of the benchmark's own, emptied before and after.

    `url` or CMSBOT_BENCH_REDIS_URL names one; otherwise the first of databases 13, 12 ... 1
    on 127.0.0.1:6379 that no test run or other benchmark holds, so two runs side by side
    never empty each other's queues.
    """
    chosen = url or os.environ.get("CMSBOT_BENCH_REDIS_URL")
    shared = [f"redis://127.0.0.1:6379/{n}" for n in range(13, 0, -1)]
    candidates = [chosen] if chosen else shared
    for candidate in candidates:
        client = aioredis.Redis.from_url(candidate)
        owner = f"bench:{os.getpid()}"
        if chosen or await client.set(CLAIM, owner, nx=True, ex=6 * 3600):
            try:
                await _empty(client, None if chosen else owner)
                yield candidate
            finally:
                await client.flushdb()  # the claim goes with everything else
                await client.aclose()
            return
        await client.aclose()
    raise RuntimeError("every Redis database 1-13 on 127.0.0.1:6379 is held by a test run or "
                       "benchmark; set CMSBOT_BENCH_REDIS_URL")


async def _empty(client: aioredis.Redis, owner: str | None) -> None:
    # Emptied and claimed again in one transaction: nobody can claim it in between.
    async with client.pipeline(transaction=True) as pipe:
        pipe.flushdb()
        if owner:
            pipe.set(CLAIM, owner, ex=6 * 3600)
        await pipe.execute()


# The service processes -------------------------------------------------------------------

def free_port() -> int:
    """A TCP port free right now on loopback (the web process binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(*, home: Path, database_url: str, redis_url: str, port: int, sites: Path,
                api_token: str, doubles: Doubles) -> dict[str, str]:
    """The environment of every service process: production settings pointed at the doubles."""
    # Nothing of ours or of the caller's proxies leaks in: slack_sdk sends even loopback
    # calls through HTTP(S)_PROXY.
    dropped = ("CMSBOT_", "TWILIO_", "SLACK_", "DATABASE_", "REDIS_", "SMS_")
    proxies = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"}
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(dropped) and key not in proxies}
    return {
        **env, "CMSBOT_HOME": str(home), "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "PORT": str(port), "CMSBOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CMSBOT_SITES": str(sites), "CMSBOT_API_TOKEN": api_token,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_STAFF_FROM": STAFF_FROM, "TWILIO_RESIDENT_FROM": RESIDENT_FROM,
        "TWILIO_API_URL": doubles.twilio.url, "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": doubles.slack.url,
        "SMS_RATE_PER_SECOND": "0", "CMSBOT_RETRY_BACKOFF": "1", "CMSBOT_LOG_LEVEL": "WARNING",
        # Text logs: a traceback in them reads as one for whoever gets the report.
        "CMSBOT_LOG_FORMAT": "text", "PYTHONUNBUFFERED": "1",
    }


@dataclass
class Service:
    """The running processes, where their output goes, and the web process's base URL."""

    url: str
    logs: list[Path] = field(default_factory=list)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)


@contextlib.asynccontextmanager
async def running_service(env: dict[str, str], workers: int, log_dir: Path,
                          ready_within: float = 60.0) -> AsyncIterator[Service]:
    """One `cmsbot serve` and `workers` x `cmsbot worker`, ready to take traffic; stopped at exit."""
    service = Service(url=env["CMSBOT_PUBLIC_URL"])
    try:
        await _spawn(service, "web", ["serve"], env, log_dir)
        for n in range(1, workers + 1):
            await _spawn(service, f"worker-{n}", ["worker"], env, log_dir)
        deadline = time.monotonic() + ready_within
        await _wait_healthy(service, deadline)
        await _wait_workers(service, env["REDIS_URL"], workers, deadline)
        yield service
    finally:
        await _stop(service.processes)


async def _spawn(service: Service, name: str, args: list[str], env: dict[str, str],
                 log_dir: Path) -> None:
    path = log_dir / f"{name}.log"
    out: IO[bytes]
    with path.open("wb") as out:
        # A session of its own: stopping kills the process group, rq's forked work horses too.
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *args, env=env, cwd=REPO, stdout=out,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    service.processes.append(process)
    service.logs.append(path)


async def _wait_healthy(service: Service, deadline: float) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while True:
            _check_alive(service)
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{service.url}/healthz") as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service.url}/healthz did not answer 200 in time")
            await asyncio.sleep(0.1)


async def _wait_workers(service: Service, redis_url: str, count: int, deadline: float) -> None:
    # A worker registers in Redis once it listens; traffic before that would time its start-up.
    client = aioredis.Redis.from_url(redis_url)
    try:
        while await client.scard(REDIS_WORKER_KEYS) < count:
            _check_alive(service)
            if time.monotonic() > deadline:
                raise RuntimeError(f"fewer than {count} rq workers registered in time")
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()


def _check_alive(service: Service) -> None:
    for process, log in zip(service.processes, service.logs, strict=True):
        if process.returncode is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"{log.stem} exited with {process.returncode}:\n{tail}")


async def _stop(processes: Sequence[asyncio.subprocess.Process], grace: float = 30.0) -> None:
    """SIGTERM (rq finishes the current job, aiohttp its requests), wait, then kill the group."""
    for process in processes:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    waits = [asyncio.wait_for(process.wait(), grace) for process in processes]
    await asyncio.gather(*waits, return_exceptions=True)
    for process in processes:
        # The group id is the pid of a process we started: its leftovers, nothing else.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.returncode is None:
            await process.wait()


async def code_version() -> str:
    """The commit the service runs, and whether the tree differs from it (results depend on it)."""
    async def git(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            "git", "-C", str(REPO), *args, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
        out, _ = await process.communicate()
        return out.decode().strip() if process.returncode == 0 else ""

    try:
        commit = await git("rev-parse", "--short", "HEAD")
        changed = len((await git("status", "--porcelain", "--untracked-files=no")).splitlines())
    except OSError:  # no git on this machine
        commit, changed = "", 0
    if not commit:
        return f"{REPO} (not a git checkout)"
    return f"{commit}" + (f" with uncommitted changes in {changed} file(s)" if changed else "")


def conclude(ok: bool, logs: Sequence[Path], work: Path, shown: int = 40,
             prefix: str = "\n") -> int:
    """Print what the service logged amiss; keep the run's files only when something was wrong.

    `prefix` starts each of those lines. The exit status: 0 when the run met its checks.
    """
    problems = log_problems(logs)
    if problems:
        print(f"{prefix}the service logged {len(problems)} warning/error/traceback line(s); "
              f"first {shown}:")
        print("\n".join(problems[:shown]))
    if ok and not problems:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"{prefix}process logs kept in {work}")
    return 0 if ok else 1


def log_problems(paths: Sequence[Path]) -> list[str]:
    """Every warning, error and traceback line the service logged, prefixed by its process."""
    found: list[str] = []
    for path in paths:
        in_traceback = False
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("Traceback"):
                in_traceback = keep = True
            elif in_traceback:
                # A traceback ends with its first unindented line: "SomeError: what happened".
                keep, in_traceback = True, line[:1].isspace() or not line.strip()
            else:
                keep = any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL"))
            if keep:
                found.append(f"{path.stem}: {line}")
    return found


# Load, measurement and reporting ---------------------------------------------------------

@dataclass(frozen=True)
class RequestResult:
    """One request: its index, when it left (perf_counter), how long until the answer."""

    index: int
    started: float
    latency: float
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
    error: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300


def max_in_flight(results: Sequence[RequestResult]) -> int:
    """The most requests that were waiting for an answer at the same moment."""
    edges = sorted([(r.started, 1) for r in results] + [(r.started + r.latency, -1) for r in results],
                   key=lambda edge: (edge[0], edge[1]))  # an answer before a send at the same time
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


async def paced(count: int, seconds: float, start: float,
                send: Callable[[int], Awaitable[T]]) -> list[T]:
    """Start `send(i)` at `start + i * seconds / count` (perf_counter), without waiting for
    earlier ones: an open-loop load, so a slow service does not slow the offered rate."""
    tasks: list[asyncio.Task[T]] = []
    for i in range(count):
        delay = start + i * seconds / count - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_run(send, i)))
    return await asyncio.gather(*tasks)


async def _run(send: Callable[[int], Awaitable[T]], i: int) -> T:
    return await send(i)


def percentiles(values: Sequence[float], ps: Sequence[float]) -> list[float]:
    """The `ps` percentiles of `values`, linearly interpolated; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return [math.nan for _ in ps]
    out = []
    for p in ps:
        rank = (len(ordered) - 1) * p / 100
        low, high = math.floor(rank), math.ceil(rank)
        out.append(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))
    return out


def latency_row(name: str, seconds: Sequence[float], failed: int | str = "") -> list[Any]:
    """A table row: name, count, failed, p50, p90, p99 and max in milliseconds."""
    p50, p90, p99 = percentiles(seconds, [50, 90, 99])
    top = max(seconds, default=math.nan)
    return [name, len(seconds), failed, *(round(v * 1000) if v == v else "-"
                                          for v in (p50, p90, p99, top))]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Columns padded to their widest cell; the first left-aligned, the rest right-aligned."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=False))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
