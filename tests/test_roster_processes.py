"""A roster change made through the web process reaches two running worker processes within a
second, with no restart, and the next alert follows it: real `cmsbot serve` and two `cmsbot
worker`s on the embedded Redis and SQLite, the change typed with `cmsbot slack`."""

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.clock import minutes_ago
from tests.polling import eventually
from tests.processes import DEADLINE, clean_env, finish, free_port, healthz, read_until, start


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "v"  # short: the embedded Redis listens on a Unix socket under it


def texts(outbox: str) -> dict[str, list[str]]:
    """Each person's texts, as `cmsbot outbox` prints them ("... SMS to NAME ***1234", then
    the body's lines)."""
    bodies: dict[str, list[str]] = {}
    lines: list[str] | None = None
    for line in outbox.splitlines():
        if line.startswith("    | ") and lines is not None:
            lines.append(line[6:])
        elif " SMS to " in line:
            name = line.split(" SMS to ", 1)[1].rsplit(" ***", 1)[0]
            lines = []
            bodies.setdefault(name, []).append(lines)  # type: ignore[arg-type]
        else:
            lines = None
    return {name: ["\n".join(body) for body in texts] for name, texts in bodies.items()}


async def run(*args: str, env: dict[str, str]) -> str:
    process = await start(*args, env=env)
    out: list[str] = []
    assert await finish(process, out) == 0, "".join(out)
    return "".join(out)


@pytest.fixture
async def started():
    """The processes a test starts; any still running at its end (it failed) are stopped, so
    that the last one out stops the embedded Redis."""
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), DEADLINE)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_two_workers_follow_a_change_made_in_the_web_process(home, started):
    env = clean_env(home, PORT=str(free_port()))
    web = await start("serve", env=env)
    started.append(web)
    web_out: list[str] = []
    await read_until(web, lambda out: "listening on port" in out, web_out)
    workers = [await start("worker", env=env) for _ in range(2)]
    started.extend(workers)
    seen: list[list[str]] = [[], []]
    for worker, out in zip(workers, seen, strict=True):
        await read_until(worker, lambda said: "roster revision 1 in use" in said, out)
    answer = await run("slack", "/cms member add brag-mott-haven Nia Brooks +13475550149 "
                       "interrupter", "--as", "Dana Reyes", env=env)
    assert answer.startswith("Done: add brag-mott-haven/Nia Brooks (by Dana Reyes)")
    for worker, out in zip(workers, seen, strict=True):
        # Seen without a restart (the benchmark measures how soon: bench roster).
        await read_until(worker, lambda said: "roster revision 2 in use" in said, out)
    token = (home / "api-token").read_text().strip()
    incident = {"id": "NYPD-9", "occurred_at": minutes_ago(5), "lat": 40.8105, "lon": -73.9235,
                "location": "E 138 ST & WILLIS AVE"}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{env['PORT']}", headers={
            "Authorization": f"Bearer {token}"}) as http:
        assert await healthz(http) == 200
        async with http.post("/api/incidents", json=incident) as response:
            assert response.status == 202

        async def sent() -> set[str]:
            async with http.get("/api/incidents/NYPD-9") as response:
                return {d["status"] for d in (await response.json())["deliveries"]}
        await eventually(sent, "every delivery sent", until=lambda s: s == {"sent"},
                         within=DEADLINE, interval=0.1)
    outbox = texts(await run("outbox", env=env))
    team = "Bronx Rises Against Gun Violence (Mott Haven)"
    assert "WILLIS" in outbox["Luis Feliz"][0]
    # Nia is paged, but until she texts YES her number gets no details of the shooting.
    assert outbox["Nia Brooks"] == [
        f"Reply YES to receive CMS alerts from {team}.",
        f"CMS alert for {team}: call your supervisor. Reply YES to receive CMS alerts from {team}."]
    for process, out in ((web, web_out), *zip(workers, seen, strict=True)):
        process.send_signal(signal.SIGTERM)
        assert await finish(process, out) == 0
        assert "Traceback" not in "".join(out)
