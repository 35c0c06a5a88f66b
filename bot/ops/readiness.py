"""Readiness: can this process reach Redis and the database right now, within seconds?

Each check answers "ok", "unreachable" or "timeout", never why in detail: the answer goes to
whoever asks, and an error's text can carry a host, a user or a URL. The log says which
exception it was.
"""

from __future__ import annotations

import asyncio
import logging

import redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# Seconds per check: a probe must fail fast on a hung dependency, not hang with it. The
# operators' Redis client has socket timeouts as long (bot.main.app), so a blocked PING also ends
# its thread instead of holding one of the default executor's few threads.
TIMEOUT = 2.0
OK, UNREACHABLE, TIMED_OUT = "ok", "unreachable", "timeout"


async def check_redis(connection: redis.Redis) -> str:
    """PING (redis-py blocks: in a thread)."""
    try:
        async with asyncio.timeout(TIMEOUT):
            await asyncio.to_thread(connection.ping)
    except (TimeoutError, redis.TimeoutError) as exc:
        return _failed("redis", TIMED_OUT, exc)
    except (redis.RedisError, OSError) as exc:
        return _failed("redis", UNREACHABLE, exc)
    return OK


async def check_database(engine: AsyncEngine) -> str:
    """SELECT 1 on a connection from the app's pool."""
    try:
        async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except TimeoutError as exc:
        return _failed("database", TIMED_OUT, exc)
    except (SQLAlchemyError, OSError) as exc:
        return _failed("database", UNREACHABLE, exc)
    return OK


async def readiness(engine: AsyncEngine, connection: redis.Redis) -> dict[str, str]:
    """Both checks, run side by side: {"redis": ..., "database": ...}."""
    redis_state, database_state = await asyncio.gather(check_redis(connection),
                                                       check_database(engine))
    return {"redis": redis_state, "database": database_state}


def _failed(source: str, state: str, exc: BaseException) -> str:
    log.warning("readiness: %s %s (%s)", source, state, type(exc).__name__)
    return state
