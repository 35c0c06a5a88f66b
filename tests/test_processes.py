"""The commands as a new user runs them: real processes, embedded Redis and SQLite, Ctrl-C."""

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

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
    incident = {"id": "NYPD-1", "occurred_at": "2026-07-04T23:15:00-04:00",
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


async def test_cmsbot_help_lists_every_command():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--help", stdout=asyncio.subprocess.PIPE)
    out = (await process.communicate())[0].decode()
    assert process.returncode == 0
    for command in ("demo", "serve", "worker", "db", "sites", "geofences", "replay", "outbox"):
        assert command in out
