"""The few statements PostgreSQL and SQLite spell differently."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

# Built once per dialect and table and reused: constructing a statement and computing its cache
# key each time cost more than running it (the SMS webhook inserts on every request).
_INSERT_IGNORE: dict[tuple[str, str], Insert] = {}


async def insert_ignore(conn: AsyncConnection, table: Table, values: Mapping[str, Any]) -> bool:
    """INSERT unless the primary or a unique key exists; True when a row was inserted."""
    key = (conn.dialect.name, table.name)
    statement = _INSERT_IGNORE.get(key)
    if statement is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement = _INSERT_IGNORE[key] = dialect.insert(table).on_conflict_do_nothing()
    result = await conn.execute(statement, dict(values))
    return bool(result.rowcount)


async def insert_new(conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]],
                     key: str) -> set[Any]:
    """INSERT many rows in one statement, skipping those whose primary or unique key exists;
    the `key` column's values of the rows inserted."""
    if not rows:
        return set()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(list(rows)).on_conflict_do_nothing().returning(
        table.c[key])
    return set(await conn.scalars(statement))


async def lock_keys(conn: AsyncConnection, keys: list[str]) -> None:
    """Serialise transactions that touch the same keys, until this transaction ends.

    PostgreSQL: transaction-scoped advisory locks, taken in sorted order so two transactions
    cannot deadlock. SQLite needs nothing: BEGIN IMMEDIATE already lets one writer in at a time.
    """
    if conn.dialect.name != "postgresql" or not keys:
        return
    # One statement for all keys (a round trip per key was most of paging's cost); the
    # subquery's ORDER BY makes PostgreSQL take them in the same order every time.
    await conn.execute(_LOCK_KEYS, {"keys": sorted(set(keys))})


_LOCK_KEYS = text('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM '
                  '(SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k COLLATE "C") AS s')
