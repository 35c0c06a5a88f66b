"""Each incident source's last contact and outage (alerts.feeds decides what they mean)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from alerts.feeds import FeedState
from bot.store.dialect import insert_new
from bot.store.schema import feed_sources

_TOUCH: dict[str, Insert] = {}  # built once per dialect: it runs on every ingest


async def touch(conn: AsyncConnection, source: str, now: datetime) -> None:
    """Record contact from `source` at `now`: one upsert that never moves it backwards."""
    statement = _TOUCH.get(conn.dialect.name)
    if statement is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(feed_sources)
        statement = _TOUCH[conn.dialect.name] = insert.on_conflict_do_update(
            index_elements=[feed_sources.c.source],
            set_={"last_seen_at": insert.excluded.last_seen_at},
            # Two ingests committing out of order leave the later contact.
            where=feed_sources.c.last_seen_at.is_(None)
            | (feed_sources.c.last_seen_at < insert.excluded.last_seen_at))
    await conn.execute(statement, {"source": source, "listed_at": now, "last_seen_at": now})


async def list_sources(conn: AsyncConnection, names: Iterable[str], now: datetime) -> None:
    """Note when the sites file was first seen listing each source (kept if already known)."""
    await insert_new(conn, feed_sources, [{"source": name, "listed_at": now} for name in names],
                     "source")


async def states(conn: AsyncConnection) -> dict[str, FeedState]:
    """Every source's stored state, by name."""
    rows = await conn.execute(select(feed_sources))
    return {row.source: FeedState(row.listed_at, row.last_seen_at, row.silent_from)
            for row in rows}


async def start_outage(conn: AsyncConnection, source: str, silent_from: datetime) -> bool:
    """Mark the source silent since its last contact `silent_from`; False if another check
    already did (that one pages)."""
    result = await conn.execute(update(feed_sources).where(
        feed_sources.c.source == source, feed_sources.c.silent_from.is_(None)).values(
        silent_from=silent_from))
    return bool(result.rowcount)


async def end_outage(conn: AsyncConnection, source: str, silent_from: datetime) -> bool:
    """Clear the outage that began at `silent_from`; False if another check already did."""
    result = await conn.execute(update(feed_sources).where(
        feed_sources.c.source == source, feed_sources.c.silent_from == silent_from).values(
        silent_from=None))
    return bool(result.rowcount)
