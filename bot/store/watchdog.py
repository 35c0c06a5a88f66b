"""What the watchdog reads and keeps: unsent staff alerts, and its own outage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.delivery_states import UNSENT
from bot.store.dialect import insert_ignore
from bot.store.schema import deliveries, watchdog_outages

NAME = "watchdog"  # one outage at a time, in one row


@dataclass(frozen=True)
class Outage:
    """The watchdog's current outage: since when, what was wrong, whether anyone was told."""

    since: datetime
    problems: str
    announced: bool = False


async def unsent_before(conn: AsyncConnection, kinds: Sequence[str], before: datetime) -> int:
    """How many deliveries of these kinds, made before `before`, have not reached a provider."""
    return int(await conn.scalar(select(func.count()).select_from(deliveries).where(
        deliveries.c.kind.in_(kinds), deliveries.c.status.in_(sorted(UNSENT)),
        deliveries.c.created_at < before)) or 0)


async def current(conn: AsyncConnection) -> Outage | None:
    """The outage kept, if any."""
    row = (await conn.execute(select(watchdog_outages).where(
        watchdog_outages.c.name == NAME))).first()
    return Outage(row.since, row.problems, row.announced) if row else None


async def keep(conn: AsyncConnection, outage: Outage) -> None:
    """Keep the outage (a row already there is left as it is)."""
    await insert_ignore(conn, watchdog_outages, {"name": NAME, "since": outage.since,
                                                 "problems": outage.problems,
                                                 "announced": outage.announced})


async def announced(conn: AsyncConnection) -> None:
    """The coordinators have been told of the outage."""
    await conn.execute(update(watchdog_outages).where(watchdog_outages.c.name == NAME)
                       .values(announced=True))


async def clear(conn: AsyncConnection) -> None:
    """The outage is over."""
    await conn.execute(delete(watchdog_outages).where(watchdog_outages.c.name == NAME))
