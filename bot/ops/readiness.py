"""Readiness: can this process reach Redis and the database right now, within seconds, and
is it keeping up with what it is sent?

Redis and the database answer "ok", "unreachable" or "timeout", the load "ok" or "overloaded"
(alerts.load); never why in detail: the answer goes to whoever asks, and an error's text can
carry a host, a user or a URL. The log says which exception it was.
"""

from __future__ import annotations

import asyncio
import logging

import redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.load import overloaded

log = logging.getLogger(__name__)

# Seconds per check: a probe must fail fast on a hung dependency, not hang with it. The
# operators' Redis client has socket timeouts as long (bot.main.app), so a blocked PING also ends
# its thread instead of holding one of the default executor's few threads.
TIMEOUT = 2.0
OK, UNREACHABLE, TIMED_OUT, OVERLOADED = "ok", "unreachable", "timeout", "overloaded"


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


def check_load(worst_lag: float, shed_recently: bool) -> str:
    """"overloaded" while the event loop lags or requests are being shed, else "ok"."""
    if not overloaded(worst_lag, shed_recently):
        return OK
    log.warning("readiness: load overloaded (event-loop lag %.2f s%s)", worst_lag,
                "; requests shed" if shed_recently else "")
    return OVERLOADED


def _failed(source: str, state: str, exc: BaseException) -> str:
    log.warning("readiness: %s %s (%s)", source, state, type(exc).__name__)
    return state
