"""The demo's fresh start: its own database and embedded Redis emptied before it runs.

A demo left running for ten minutes leaves hundreds of open incidents; the next demo would
spend its time escalating those. Generated secrets (the API token, the session secret) stay:
they are harmless, and a kept token keeps working for anyone who copied it.
"""

from __future__ import annotations

from pathlib import Path

import redis

from bot.queue.embedded_redis import CLIENT_PREFIX, EmbeddedRedis, client_name

_DATABASE_FILES = ("cmsbot.db", "cmsbot.db-wal", "cmsbot.db-shm", "cmsbot.db-journal")


class DemoInUse(RuntimeError):
    """Another cmsbot process uses the embedded Redis of this home: clearing would break it."""


def clear_state(home: Path) -> str | None:
    """Empty the demo's SQLite database and embedded Redis under `home`; say what was cleared
    in one line, or None when there was nothing to clear."""
    cleared = []
    if (home / "redis").is_dir():
        keys = _flush_redis(EmbeddedRedis(home))
        if keys:
            cleared.append(f"the embedded Redis ({keys} keys)")
    files = [home / name for name in _DATABASE_FILES if (home / name).exists()]
    if files:
        for path in files:
            path.unlink()
        cleared.insert(0, "the database (cmsbot.db)")
    if not cleared:
        return None
    return (f"cmsbot demo: fresh start: cleared {' and '.join(cleared)} under {home}; "
            "secrets kept (--keep keeps everything)")


def _flush_redis(server: EmbeddedRedis) -> int:
    client = redis.Redis.from_url(server.ensure_running(), client_name=client_name())
    try:
        others = [c.get("name", "") for c in client.client_list()
                  if c.get("name", "").startswith(CLIENT_PREFIX) and c.get("name") != client_name()]
        if others:
            raise DemoInUse("another cmsbot process uses this CMSBOT_HOME; stop it first, or "
                            "run the demo with --keep")
        # The keyspace section names every database that holds keys (rq uses more than one).
        keys = sum(int(db["keys"]) for db in client.info("keyspace").values())
        client.flushall()
        return keys
    finally:
        client.close()

