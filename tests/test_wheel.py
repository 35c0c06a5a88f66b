"""The wheel as a user gets it: built from the tracked files, installed into a fresh virtualenv
outside the checkout, and `cmsbot serve` run from there with nothing configured."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config.logs import redact_phones
from tests.clock import minutes_ago
from tests.polling import eventually
from tests.processes import (
    DEADLINE,
    clean_env,
    finish,
    free_port,
    healthz,
    process_ends,
    read_until,
    redis_gone,
    start,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("alerts", "bot", "handlers", "workers")
PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input")
# The README's example of the ingest API.
INCIDENT = {"id": "NYPD-261234567", "occurred_at": minutes_ago(5),
            "lat": 40.6712, "lon": -73.9002, "precinct": 75, "location": "PITKIN AVE & ROCKAWAY AVE",
            "victims": 1, "fatal": False, "hospital": "Brookdale"}


@dataclass(frozen=True)
class Installed:
    """A fresh virtualenv with the wheel installed in it."""

    bin: Path
    site: Path  # its own site-packages, where the wheel went


def tracked_files() -> list[str]:
    """The checkout's files as a clean clone has them (git's index, minus deletions not yet committed)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"],  # noqa: S603, S607 (git from PATH)
                            check=True, capture_output=True, timeout=DEADLINE).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command to completion and return its output; fail the test with it if it fails.

    Without PYTHONPATH unless `env` says otherwise: pip in the fresh venv must not see the
    checkout (nor its egg-info) as cmsbot already installed.
    """
    if env is None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=300)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def outside(tmp: Path) -> Path:
    """`tmp`, checked to lie outside the checkout (as with a --basetemp inside it, it would not)."""
    assert not tmp.resolve().is_relative_to(ROOT), f"{tmp} is inside the checkout"
    return tmp


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built, without network, from a copy of the tracked files (a build in the
    checkout would leave build/ behind, whose stale files a later wheel would pick up)."""
    source = outside(tmp_path_factory.mktemp("source"))
    for name in tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    # --check-build-dependencies: the test venv's setuptools must satisfy [build-system].
    run(sys.executable, *PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--check-build-dependencies", "-w", dist, source)
    (built,) = dist.glob("cmsbot-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A virtualenv outside the checkout with the wheel installed and the test venv's
    dependencies importable, but not the checkout."""
    venv = outside(tmp_path_factory.mktemp("venv"))
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, *PIP, "install", "--no-deps", "--no-index", wheel)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
    # Plain path lines: Python adds these directories but does not run the .pth files in them,
    # so the test venv's editable install of the checkout (a .pth and its finder) stays out.
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (site / "test-venv-dependencies.pth").write_text("\n".join(ours) + "\n")
    return Installed(venv / "bin", site)


def outside_env(installed: Installed, home: Path, **extra: str) -> dict[str, str]:
    """A fresh machine's environment with the venv activated and nothing pointing at the checkout."""
    env = {key: value for key, value in clean_env(home, **extra).items()
           if not key.startswith("PYTHON") and key != "VIRTUAL_ENV"}
    return {**env, "PYTHONUNBUFFERED": "1", "VIRTUAL_ENV": str(installed.bin.parent),
            "PATH": f"{installed.bin}{os.pathsep}{env.get('PATH', '')}"}


def test_the_wheel_ships_every_tracked_file_of_the_packages_but_their_notes(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        shipped = {name for name in names if ".dist-info/" not in name}
        (entry_points,) = [archive.read(name) for name in names
                           if name.endswith(".dist-info/entry_points.txt")]
    expected = {name for name in tracked_files()
                if name.split("/")[0] in PACKAGES and not name.endswith(".md")}
    assert sorted(expected - shipped) == []  # e.g. static files or samples left out
    assert sorted(shipped - expected) == []  # e.g. tests/ or bench/ shipped
    assert {"handlers/static/dashboard.js", "bot/samples/sites.yaml",
            "bot/migrations/script.py.mako"} <= shipped
    assert "cmsbot = bot.cli.commands:main" in entry_points.decode()


def test_the_fresh_venv_imports_cmsbot_from_the_wheel_not_the_checkout(
        installed: Installed, tmp_path: Path) -> None:
    probe = ("import json, sys, aiohttp, alerts, bot, handlers, workers; print(json.dumps({"
             "'files': [m.__file__ for m in (alerts, bot, handlers, workers)], 'path': sys.path, "
             "'finders': [repr(f) for f in sys.meta_path]}))")
    seen = json.loads(run(installed.bin / "python", "-c", probe, cwd=outside(tmp_path),
                          env=outside_env(installed, tmp_path / "h")))
    for file in seen["files"]:
        assert Path(file).is_relative_to(installed.site), file
    # The dependencies' directory may sit inside the checkout (.venv); the packages must not.
    assert not [entry for entry in seen["path"] if entry and Path(entry) != installed.site
                and any((Path(entry) / package / "__init__.py").exists() for package in PACKAGES)]
    assert not [finder for finder in seen["finders"] if "editable" in finder.lower()]


async def test_cmsbot_serve_from_the_wheel_pages_teams_and_serves_the_dashboard(
        installed: Installed, tmp_path: Path) -> None:
    home, cwd, port = outside(tmp_path) / "h", outside(tmp_path) / "run", free_port()
    cwd.mkdir()
    env = outside_env(installed, home, PORT=str(port))
    cmsbot = (str(installed.bin / "cmsbot"),)
    web = await start("serve", env=env, program=cmsbot, cwd=cwd)
    web_out: list[str] = []
    try:
        await read_until(web, lambda out: f"listening on port {port}" in out, web_out)
        # With no CMSBOT_SITES, the sites in use are the sample that the wheel shipped.
        assert f"sites {installed.site}/bot/samples/sites.yaml" in "".join(web_out)
        token = (home / "api-token").read_text().strip()
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}",
                                         headers={"Authorization": f"Bearer {token}"}) as http:
            assert await healthz(http) == 200
            redis_pid = int((home / "redis" / "redis.pid").read_text())  # up before the port opens
            async with http.post("/api/incidents", json=INCIDENT) as response:
                assert response.status == 202, await response.text()
                accepted = await response.json()
            assert accepted["teams"] == ["bivo-brownsville", "man-up-eny"]
            worker_out = await send_everything(http, env, cmsbot, cwd)
            for name in ("dashboard.css", "dashboard.js"):
                async with http.get(f"/static/{name}") as response:
                    assert response.status == 200
                    assert await response.read() == (installed.site / "handlers/static" / name).read_bytes()
            async with http.get("/signin") as response:
                assert response.status == 200
                page = await response.text()
            assert "/cms dashboard" in page and "/static/dashboard.css" in page
        outbox = await start("outbox", env=env, program=cmsbot, cwd=cwd)
        outbox_out: list[str] = []
        assert await finish(outbox, outbox_out) == 0
        shown = "".join(outbox_out)
        assert "SMS to Ray Ortiz ***0175 [man-up-eny]" in shown
        assert "SMS to Tasha Bell ***0173 [bivo-brownsville]" in shown
        assert "CMS ALERT #1: Shooting, 1 victim" in shown
    finally:
        if web.returncode is None:
            web.send_signal(signal.SIGTERM)
        stopped = await finish(web, web_out)
    assert stopped == 0, "".join(web_out)
    assert redis_gone(home)
    assert await process_ends(redis_pid), "the embedded redis-server outlived cmsbot serve"
    logs = "".join(web_out) + worker_out
    assert "Traceback" not in logs
    assert redact_phones(logs) == logs and token not in logs


async def send_everything(http: aiohttp.ClientSession, env: dict[str, str], cmsbot: tuple[str, ...],
                          cwd: Path) -> str:
    """Run `cmsbot worker --burst` until the incident shows every delivery sent; its output."""
    said: list[str] = []

    async def burst() -> Any:
        worker = await start("worker", "--burst", env=env, program=cmsbot, cwd=cwd)
        assert await finish(worker, said) == 0, "".join(said)
        async with http.get(f"/api/incidents/{INCIDENT['id']}") as response:
            return await response.json()

    await eventually(burst, "every delivery to be sent",
                     until=lambda shown: shown["deliveries"]
                     and {d["status"] for d in shown["deliveries"]} == {"sent"},
                     within=DEADLINE, interval=0)
    return "".join(said)
