"""Open the database: asyncpg for PostgreSQL, aiosqlite (WAL, immediate writes) for SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


def open_engine(url: str, *, pooled: bool = True, size: int = 10) -> AsyncEngine:
    """An async engine for `url` with up to 2 x `size` connections; `pooled=False` for
    short-lived job processes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        options: dict[str, Any] = {"pool_pre_ping": True}
        if pooled:
            options.update(pool_size=size, max_overflow=size)
        else:
            options["poolclass"] = NullPool
        return create_async_engine(url, **options)
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # The web and worker processes share one SQLite file: WAL lets readers run beside the
    # writer, and BEGIN IMMEDIATE takes the write lock up front, so two writers queue on
    # busy_timeout instead of failing when a read transaction tries to upgrade.
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
