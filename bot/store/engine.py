"""Open the database: asyncpg for PostgreSQL, aiosqlite (WAL, immediate writes) for SQLite."""

from __future__ import annotations

import contextlib
import functools
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.config.home import private_dir, touch_private


def open_engine(url: str, *, pooled: bool = True, size: int = 10) -> AsyncEngine:
    """An async engine for `url` with up to 2 x `size` connections; `pooled=False` for
    short-lived job processes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if not pooled:
            return create_async_engine(url, poolclass=NullPool)
        engine = create_async_engine(url, pool_size=size, max_overflow=size)
        event.listen(engine.sync_engine, "checkin", _checked_in)
        event.listen(engine.sync_engine, "checkout", functools.partial(_ping_if_idle, engine))
        return engine
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        # The database holds phone numbers: 0600 in a 0700 directory whatever the umask
        # (SQLite gives its -wal and -shm files the database file's mode).
        database = Path(parsed.database)
        # One that cannot be made is SQLite's to report when it connects, where an outage
        # is told apart from a bug (bot.store.outage).
        with contextlib.suppress(OSError):
            private_dir(database.parent)
            touch_private(database)
    # The web and worker processes share one SQLite file: WAL lets readers run beside the
    # writer, and BEGIN IMMEDIATE takes the write lock up front, so two writers queue on
    # busy_timeout instead of failing when a read transaction tries to upgrade.
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


# A pooled connection unused this long is pinged before use (it may have been cut meanwhile:
# a database restart, a proxy's idle timeout). One in steady use is not: under load, a ping
# per checkout was a fifth of the web process's time.
IDLE_PING_SECONDS = 1.0


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(engine: AsyncEngine, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("checked_in_at")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return  # new (just connected) or busy: known to work
    dialect = engine.dialect
    try:
        dialect.do_ping(dbapi_connection)
    except (OSError, dialect.loaded_dbapi.Error) as exc:
        if isinstance(exc, OSError) or dialect.is_disconnect(exc, dbapi_connection, None):
            # The pool drops every connection made before now (the database went away
            # meanwhile) and checks out a fresh one, as its own pre-ping does.
            raise InvalidatePoolError() from exc
        raise


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_READ_ONLY = "cmsbot_read_only"


def _sqlite_begin(connection: Any) -> None:
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")  # a WAL reader: it never holds up a writer
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def reading(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """A connection for reads only, for pollers that run all day (the roster's follower): on
    SQLite it never takes the write lock, so a poller paused mid-read (its event loop busy
    with a job) holds up no other process's writes."""
    return engine.execution_options(**{_READ_ONLY: True}).connect()


def autocommit(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """A connection whose every statement commits by itself: no BEGIN and COMMIT round trips,
    for a single write such as keeping an inbound SMS."""
    if engine.dialect.name == "sqlite":
        # SQLite takes its write lock in BEGIN IMMEDIATE (see _sqlite_begin): a transaction.
        return engine.begin()
    return engine.execution_options(isolation_level="AUTOCOMMIT").connect()
