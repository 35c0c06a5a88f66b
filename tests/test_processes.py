"""The commands as a new user runs them: real processes, embedded Redis and SQLite, Ctrl-C."""

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.polling import eventually

DEADLINE = 60.0


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh machine: nothing configured but where state lives."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CMSBOT_", "TWILIO_", "SLACK_", "DATABASE_", "REDIS_"))}
    return {**env, "CMSBOT_HOME": str(home), "PYTHONUNBUFFERED": "1", **extra}


async def start(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)


async def read_until(process: asyncio.subprocess.Process, predicate: Callable[[str], bool],
                     seen: list[str], what: str = "the output the test waits for") -> None:
    """Collect output lines into `seen` until `predicate(all output so far)` holds."""
    assert process.stdout is not None
    stdout = process.stdout

    async def output() -> str:
        line = await stdout.readline()
        if not line:
            raise AssertionError("the process ended early:\n" + "".join(seen))
        seen.append(line.decode())
        return "".join(seen)

    if not predicate("".join(seen)):
        await eventually(output, what, until=predicate, within=DEADLINE, interval=0)


async def finish(process: asyncio.subprocess.Process, seen: list[str]) -> int:
    assert process.stdout is not None
    rest = await asyncio.wait_for(process.stdout.read(), DEADLINE)
    seen.append(rest.decode())
    return await asyncio.wait_for(process.wait(), DEADLINE)


async def health(http: aiohttp.ClientSession) -> int | None:
    """The status of GET /healthz, or None while the port does not accept yet."""
    try:
        async with http.get("/healthz") as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


async def shown(http: aiohttp.ClientSession, incident_id: str) -> Any:
    """The incident as the API shows it."""
    async with http.get(f"/api/incidents/{incident_id}") as response:
        return await response.json()


def redis_gone(home: Path) -> bool:
    return not (home / "redis" / "redis.sock").exists()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    # Short: the embedded Redis listens on a Unix socket under it.
    return tmp_path / "v"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
async def test_the_demo_shows_who_got_which_alert_and_stops_cleanly(home, stop):
    demo = await start("demo", "--interval", "0.5", "--incidents", "3", env=clean_env(home))
    seen: list[str] = []
    await read_until(demo, lambda out: out.count(">>> incident") >= 3
                     and "SMS to Luis Feliz" in out and "Slack #C040BRX" in out, seen)
    demo.send_signal(stop)
    assert await finish(demo, seen) == 0
    out = "".join(seen)
    assert "bivo-brownsville, man-up-eny" in out
    assert "SMS to Ray Ortiz ***0175 [man-up-eny]" in out and "CMS ALERT #1" in out
    assert "Traceback" not in out
    assert out.rstrip().endswith("cmsbot demo: stopped cleanly")
    assert redis_gone(home)


async def test_serve_and_worker_started_separately_share_redis_and_the_database(home):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_env(home, PORT=str(port))
    worker = await start("worker", env=env)  # the worker starts first and starts Redis
    worker_out: list[str] = []
    await read_until(worker, lambda out: "SMS go to the local outbox" in out, worker_out)
    web = await start("serve", env=env)
    web_out: list[str] = []
    await read_until(web, lambda out: f"listening on port {port}" in out, web_out)
    token = (home / "api-token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}"}
    incident = {"id": "NYPD-1", "occurred_at": "2026-07-04T23:15:00-04:00",
                "lat": 40.8105, "lon": -73.9235, "location": "E 138 ST & WILLIS AVE"}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as http:
        await eventually(lambda: health(http), "the port to accept after the log line",
                         until=lambda status: status == 200)
        async with http.post("/api/incidents", json=incident) as response:
            assert response.status == 202
            assert (await response.json())["teams"] == ["brag-mott-haven"]
        await eventually(lambda: shown(http, "NYPD-1"), "every delivery to be sent",
                         until=lambda incident: {d["status"] for d in incident["deliveries"]}
                         == {"sent"}, within=DEADLINE, interval=0.1)
    outbox = await start("outbox", env=env)
    outbox_out: list[str] = []
    assert await finish(outbox, outbox_out) == 0
    assert "SMS to Luis Feliz ***0140 [brag-mott-haven]" in "".join(outbox_out)
    web.send_signal(signal.SIGTERM)
    assert await finish(web, web_out) == 0
    assert not redis_gone(home)  # the worker is still connected: Redis stays up
    worker.send_signal(signal.SIGTERM)
    assert await finish(worker, worker_out) == 0
    assert redis_gone(home)  # the last one out stopped it
    said = "".join(web_out)
    assert said.count("SMS go to the local outbox") == 1 and "Traceback" not in said


async def test_cmsbot_help_lists_every_command():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--help", stdout=asyncio.subprocess.PIPE)
    out = (await process.communicate())[0].decode()
    assert process.returncode == 0
    for command in ("demo", "serve", "worker", "db", "sites", "geofences", "replay", "outbox"):
        assert command in out
