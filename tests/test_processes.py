"""The commands as a new user runs them: real processes, embedded Redis and SQLite, Ctrl-C."""

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.clock import minutes_ago
from tests.polling import eventually
from tests.processes import (
    DEADLINE,
    clean_env,
    finish,
    free_port,
    healthz,
    read_until,
    redis_gone,
    start,
)


async def shown(http: aiohttp.ClientSession, incident_id: str) -> Any:
    """The incident as the API shows it."""
    async with http.get(f"/api/incidents/{incident_id}") as response:
        return await response.json()


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
    port = free_port()
    env = clean_env(home, PORT=str(port))
    worker = await start("worker", env=env)  # the worker starts first and starts Redis
    worker_out: list[str] = []
    await read_until(worker, lambda out: "SMS go to the local outbox" in out, worker_out)
    web = await start("serve", env=env)
    web_out: list[str] = []
    await read_until(web, lambda out: f"listening on port {port}" in out, web_out)
    token = (home / "api-token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}"}
    incident = {"id": "NYPD-1", "occurred_at": minutes_ago(5),
                "lat": 40.8105, "lon": -73.9235, "location": "E 138 ST & WILLIS AVE"}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as http:
        assert await healthz(http) == 200
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


def exposed(home: Path) -> list[str]:
    """The home and whatever under it that the group or others may read, enter or write."""
    paths = [home, *home.rglob("*")]
    return [f"{path} {path.lstat().st_mode & 0o777:o}" for path in paths
            if not path.is_symlink() and path.lstat().st_mode & 0o077]


async def test_state_under_the_home_is_private_even_under_a_permissive_umask(home):
    # An earlier version's home: 0755, with a generated token that everyone could read.
    home.mkdir()
    home.chmod(0o755)
    (home / "api-token").write_text("token-from-before\n")
    (home / "api-token").chmod(0o644)
    port = free_port()
    web = await start("serve", env=clean_env(home, PORT=str(port)), umask=0o022)
    web_out: list[str] = []
    await read_until(web, lambda out: f"listening on port {port}" in out, web_out)
    incident = {"id": "NYPD-2", "occurred_at": minutes_ago(5),
                "lat": 40.8105, "lon": -73.9235}
    headers = {"Authorization": "Bearer token-from-before"}  # the same token, kept
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", headers=headers) as http:
        assert await healthz(http) == 200
        async with http.post("/api/incidents", json=incident) as response:
            assert response.status == 202
    # The service closes its SQLite connections between uses, and the last to close removes
    # the -wal and -shm files: hold one open here, under this test's looser umask. SQLite gives
    # them the database file's mode.
    previous = os.umask(0o022)
    with contextlib.closing(sqlite3.connect(home / "cmsbot.db")) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM incidents").fetchall()
        os.umask(previous)
        made = {path.name for path in home.rglob("*")}
        assert {"cmsbot.db", "cmsbot.db-wal", "cmsbot.db-shm", "redis.conf", "redis.log",
                "session-secret"} <= made
        assert exposed(home) == []
    web.send_signal(signal.SIGTERM)
    assert await finish(web, web_out) == 0
    assert redis_gone(home)
    # Stopped: Redis saved its dump on the way out.
    assert "dump.rdb" in {path.name for path in home.rglob("*")}
    assert exposed(home) == []


async def test_cmsbot_help_lists_every_command():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--help", stdout=asyncio.subprocess.PIPE)
    out = (await process.communicate())[0].decode()
    assert process.returncode == 0
    for command in ("demo", "serve", "worker", "db", "sites", "geofences", "replay", "outbox"):
        assert command in out
