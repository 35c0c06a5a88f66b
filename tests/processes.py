"""Running `cmsbot` commands as real processes: a fresh machine's environment, output read with
a deadline, and a clean stop. Shared by the end-to-end tests of the commands and of the wheel."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import aiohttp
import psutil

from tests.polling import eventually

DEADLINE = 60.0
# The checkout's code, run by the test interpreter; the wheel test runs an installed script.
CHECKOUT_CMSBOT = (sys.executable, "-m", "bot.cli")


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now, for a server the test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh machine: nothing configured but where state lives."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CMSBOT_", "TWILIO_", "SLACK_", "DATABASE_", "REDIS_"))}
    return {**env, "CMSBOT_HOME": str(home), "PYTHONUNBUFFERED": "1", **extra}


async def start(*args: str, env: dict[str, str], program: Sequence[str] = CHECKOUT_CMSBOT,
                cwd: Path | None = None, umask: int = -1) -> asyncio.subprocess.Process:
    """Start `cmsbot ARGS` with its output (stdout and stderr together) piped to the test;
    `umask` is the one it starts with (-1: the test's own)."""
    return await asyncio.create_subprocess_exec(
        *program, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, umask=umask)


async def read_until(process: asyncio.subprocess.Process, predicate: Callable[[str], bool],
                     seen: list[str], what: str = "the output the test waits for") -> None:
    """Collect output lines into `seen` until `predicate(all output so far)` holds, or fail at
    the deadline showing the output so far."""
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
    """Read the rest of the output and return the exit status, within the deadline."""
    assert process.stdout is not None
    rest = await asyncio.wait_for(process.stdout.read(), DEADLINE)
    seen.append(rest.decode())
    return await asyncio.wait_for(process.wait(), DEADLINE)


def redis_gone(home: Path) -> bool:
    """True once the embedded Redis of CMSBOT_HOME `home` has shut down (its socket is removed)."""
    return not (home / "redis" / "redis.sock").exists()


async def healthz(http: aiohttp.ClientSession) -> int | None:
    """GET /healthz's status, retried until the port accepts (it may lag the log line a moment)."""
    async def status() -> int | None:
        try:
            async with http.get("/healthz") as response:
                return response.status
        except aiohttp.ClientConnectionError:
            return None

    return await eventually(status, "/healthz to answer", until=lambda code: code is not None,
                            within=DEADLINE)


async def process_ends(pid: int) -> bool:
    """Whether the process `pid` exits (or is only a zombie left to reap) within the deadline."""
    def ended() -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    try:
        await eventually(ended, f"process {pid} to end", within=DEADLINE, interval=0.05)
    except TimeoutError:
        return False
    return True
