"""Which failures mean "the database or Redis cannot be reached now", over exceptions that
asyncpg, aiosqlite and redis-py really raise: each case below provokes its error for real.

An outage answers 503 and the same request later succeeds; a bad statement, a missing table or a
broken constraint is a bug, and a bug must never pass for an outage.
"""

import asyncio
import contextlib
import socket
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.queue.connection import connect, redis_unreachable
from bot.store.outage import database_unreachable, driver_code
from tests.faults.proxy import Proxy
from tests.polling import eventually

Case = Callable[..., Awaitable[None]]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def server_saying(reply: bytes | None) -> AsyncIterator[int]:
    """A TCP server that answers every line with `reply`, or (None) accepts and says nothing."""
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while await reader.readline():
                if reply is not None:
                    writer.write(reply)
                    await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def raised(work: Awaitable[object]) -> Exception:
    """The exception `work` raises (the test fails if it raises none)."""
    try:
        await work
    except Exception as exc:
        return exc
    pytest.fail("expected an error")


async def execute(engine: AsyncEngine, *statements: str) -> None:
    """Run statements in one transaction, then let the engine go."""
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def asyncpg_url(url: str, *, host: str | None = None, port: int | None = None,
                username: str | None = None) -> str:
    """The test database's URL for asyncpg, with another host, port or user if given."""
    return make_url(url).set(drivername="postgresql+asyncpg", host=host, port=port,
                             username=username).render_as_string(hide_password=False)


# PostgreSQL through asyncpg ------------------------------------------------------------------

async def pg_refused(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url, port=closed_port())), "SELECT 1")


async def pg_unknown_host(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url, host="db.cmsbot.invalid")), "SELECT 1")


async def pg_connect_timeout(url: str) -> None:
    async with server_saying(None) as port:
        await execute(create_async_engine(asyncpg_url(url, port=port),
                                          connect_args={"timeout": 0.3}), "SELECT 1")


async def pg_pool_exhausted(url: str) -> None:
    engine = create_async_engine(asyncpg_url(url), pool_size=1, max_overflow=0, pool_timeout=0.1)
    async with engine.connect():
        await execute(engine, "SELECT 1")


async def pg_cut_mid_transaction(url: str) -> None:
    target = make_url(url)
    proxy = Proxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    engine = create_async_engine(asyncpg_url(url, host="127.0.0.1", port=proxy.port))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1"))
            await proxy.cut()
            await conn.execute(text("SELECT 1"))
    finally:
        await proxy.cut()
        await engine.dispose()


async def pg_terminated_mid_query(url: str) -> None:
    engine = create_async_engine(asyncpg_url(url))
    admin = create_async_engine(asyncpg_url(url))
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
            query = asyncio.ensure_future(conn.execute(text("SELECT pg_sleep(30)")))
            async with admin.connect() as other:
                await eventually(lambda: other.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid "
                    "AND query LIKE 'SELECT pg_sleep%'"), {"pid": pid}), "the query to start",
                    within=10, interval=0.01)
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await query
    finally:
        await admin.dispose()
        await engine.dispose()


async def pg_too_many_connections(url: str) -> None:
    role = f"cmsbot_full_{uuid.uuid4().hex[:8]}"
    await execute(create_async_engine(asyncpg_url(url)),
                  f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    try:
        await execute(create_async_engine(asyncpg_url(url, username=role)), "SELECT 1")
    finally:
        await execute(create_async_engine(asyncpg_url(url)), f"DROP ROLE {role}")


async def pg_credentials_refused(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url, username="cmsbot_nobody")), "SELECT 1")


async def pg_missing_table(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url)), "SELECT * FROM no_such_table")


async def pg_missing_column(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url)), "SELECT no_such_column FROM incidents")


async def pg_syntax_error(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url)), "SELEC 1")


async def pg_bad_value(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url)), "SELECT 'twelve'::integer")


async def pg_integrity_error(url: str) -> None:
    await execute(create_async_engine(asyncpg_url(url)),
                  "CREATE TEMPORARY TABLE pairs (phone text PRIMARY KEY)",
                  "INSERT INTO pairs VALUES ('x')", "INSERT INTO pairs VALUES ('x')")


@pytest.mark.parametrize(("case", "unreachable", "code"), [
    (pg_refused, True, None),
    (pg_unknown_host, True, None),
    (pg_connect_timeout, True, None),
    (pg_pool_exhausted, True, None),
    (pg_cut_mid_transaction, True, "08003"),
    (pg_terminated_mid_query, True, "08003"),
    (pg_too_many_connections, True, "53300"),
    (pg_credentials_refused, True, "28000"),
    (pg_missing_table, False, "42P01"),
    (pg_missing_column, False, "42703"),
    (pg_syntax_error, False, "42601"),
    (pg_bad_value, False, "22P02"),
    (pg_integrity_error, False, "23505"),
], ids=lambda value: value.__name__ if callable(value) else None)
async def test_postgresql_failures(postgres_url: str, case: Case, unreachable: bool,
                                   code: str | None) -> None:
    exc = await raised(case(postgres_url))
    assert database_unreachable(exc) is unreachable, repr(exc)
    assert driver_code(exc) == code
    assert not redis_unreachable(exc)


# SQLite through aiosqlite --------------------------------------------------------------------

def sqlite_engine(path: Path, wait: float = 0.05) -> AsyncEngine:
    # A short busy timeout: the same "database is locked" as the app's 30 s one, sooner.
    return create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": wait})


async def sqlite_locked(path: Path) -> None:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        await execute(sqlite_engine(path), "INSERT INTO pairs VALUES ('y')")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def replace_with_directory(path: Path) -> None:
    """What a vanished volume or a wrong CMSBOT_HOME looks like to SQLite."""
    path.unlink()
    path.mkdir()


async def sqlite_cannot_open(path: Path) -> None:
    await asyncio.to_thread(replace_with_directory, path)
    await execute(sqlite_engine(path), "SELECT 1")


async def sqlite_missing_table(path: Path) -> None:
    await execute(sqlite_engine(path), "SELECT * FROM no_such_table")


async def sqlite_missing_column(path: Path) -> None:
    await execute(sqlite_engine(path), "SELECT no_such_column FROM pairs")


async def sqlite_syntax_error(path: Path) -> None:
    await execute(sqlite_engine(path), "SELEC 1")


async def sqlite_integrity_error(path: Path) -> None:
    await execute(sqlite_engine(path), "INSERT INTO pairs VALUES ('x')")


@pytest.mark.parametrize(("case", "unreachable", "code"), [
    (sqlite_locked, True, "SQLITE_BUSY"),
    (sqlite_cannot_open, True, "SQLITE_CANTOPEN"),
    (sqlite_missing_table, False, "SQLITE_ERROR"),
    (sqlite_missing_column, False, "SQLITE_ERROR"),
    (sqlite_syntax_error, False, "SQLITE_ERROR"),
    (sqlite_integrity_error, False, "SQLITE_CONSTRAINT_PRIMARYKEY"),
], ids=lambda value: value.__name__ if callable(value) else None)
async def test_sqlite_failures(tmp_path: Path, case: Case, unreachable: bool,
                               code: str) -> None:
    path = tmp_path / "cmsbot.db"
    with contextlib.closing(sqlite3.connect(path)) as setup, setup:
        setup.execute("CREATE TABLE pairs (phone TEXT PRIMARY KEY)")
        setup.execute("INSERT INTO pairs VALUES ('x')")
    exc = await raised(case(path))
    assert database_unreachable(exc) is unreachable, repr(exc)
    assert driver_code(exc) == code


# Redis through redis-py ----------------------------------------------------------------------

async def redis_refused(_url: str) -> None:
    await asyncio.to_thread(connect(f"redis://127.0.0.1:{closed_port()}/0").ping)


async def redis_hung(_url: str) -> None:
    async with server_saying(None) as port:
        await asyncio.to_thread(connect(f"redis://127.0.0.1:{port}/0", timeout=0.2).ping)


async def redis_loading(_url: str) -> None:
    # What a Redis restarting with a large dataset answers to every command until it is loaded.
    async with server_saying(b"-LOADING Redis is loading the dataset in memory\r\n") as port:
        await asyncio.to_thread(connect(f"redis://127.0.0.1:{port}/0", timeout=1).ping)


async def redis_wrong_type(url: str) -> None:
    client = connect(url)
    try:
        await asyncio.to_thread(client.set, "cmsbot:test:wrongtype", "1")
        await asyncio.to_thread(client.lpush, "cmsbot:test:wrongtype", "2")
    finally:
        client.close()


async def redis_unknown_command(url: str) -> None:
    client = connect(url)
    try:
        await asyncio.to_thread(client.execute_command, "NO-SUCH-COMMAND")
    finally:
        client.close()


@pytest.mark.parametrize(("case", "unreachable"), [
    (redis_refused, True),
    (redis_hung, True),
    (redis_loading, True),
    (redis_wrong_type, False),
    (redis_unknown_command, False),
], ids=lambda value: value.__name__ if callable(value) else None)
async def test_redis_failures(redis_url: str, case: Case, unreachable: bool) -> None:
    exc = await raised(case(redis_url))
    assert isinstance(exc, redis.RedisError)
    assert redis_unreachable(exc) is unreachable, repr(exc)
    assert not database_unreachable(exc)


# Neither -------------------------------------------------------------------------------------

async def missing_file(path: Path) -> None:
    await asyncio.to_thread((path / "no-such-file.yaml").read_text)


async def bad_number(_path: Path) -> None:
    int("twelve")


@pytest.mark.parametrize("case", [missing_file, bad_number], ids=lambda case: case.__name__)
async def test_other_failures_are_bugs_not_outages(tmp_path: Path, case: Case) -> None:
    exc = await raised(case(tmp_path))
    assert not database_unreachable(exc) and not redis_unreachable(exc)
