"""Counts for operators (`GET /metrics`): one GROUP BY per question, nothing about people.

Each query reads a whole table (deliveries, incidents, timeline, acknowledged pages): a
scrape every 15-60 s over a city's year of incidents is milliseconds. Nothing returned here
names anyone: no phone, no name, no address, only our own kinds and statuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import deliveries, incidents, pages, timeline


@dataclass(frozen=True)
class DeliveryCount:
    """How many deliveries are in one (channel, status, kind), and the oldest one's creation."""

    channel: str
    status: str
    kind: str
    count: int
    oldest: datetime


@dataclass(frozen=True)
class Buckets:
    """A histogram from the database: cumulative counts per upper bound, the sum and the count."""

    bounds: tuple[float, ...]
    cumulative: tuple[int, ...]
    total: float
    count: int


async def delivery_counts(conn: AsyncConnection) -> list[DeliveryCount]:
    """Deliveries per channel, status and kind."""
    rows = await conn.execute(
        select(deliveries.c.channel, deliveries.c.status, deliveries.c.kind, func.count(),
               func.min(deliveries.c.created_at))
        .group_by(deliveries.c.channel, deliveries.c.status, deliveries.c.kind))
    return [DeliveryCount(*row) for row in rows]


async def incident_counts(conn: AsyncConnection) -> dict[tuple[str, str], int]:
    """Incidents per (kind, status)."""
    rows = await conn.execute(select(incidents.c.kind, incidents.c.status, func.count())
                              .group_by(incidents.c.kind, incidents.c.status))
    return {(kind, status): count for kind, status, count in rows}


async def action_counts(conn: AsyncConnection, actions: Iterable[str]) -> dict[str, int]:
    """Timeline entries per action, for the actions asked about."""
    rows = await conn.execute(select(timeline.c.action, func.count())
                              .where(timeline.c.action.in_(list(actions)))
                              .group_by(timeline.c.action))
    return {action: count for action, count in rows}


async def time_to_ack(conn: AsyncConnection, bounds: Sequence[float]) -> Buckets:
    """Seconds from each shooting's arrival to each team's first acknowledgement, bucketed.

    A team's first acknowledgement is its earliest paged member's (coordinators, paged for an
    incident no team catches, count as one team). Takedown reminders are not responses.
    """
    first_ack = (select(_seconds(conn, func.min(pages.c.acked_at), incidents.c.received_at)
                        .label("seconds"))
                 .join_from(pages, incidents, pages.c.incident_id == incidents.c.id)
                 .where(pages.c.acked_at.is_not(None), incidents.c.kind == "shooting")
                 .group_by(pages.c.incident_id, pages.c.team_id, incidents.c.received_at)
                 .subquery())
    seconds = first_ack.c.seconds
    row = (await conn.execute(select(
        func.count(), func.coalesce(func.sum(seconds), 0.0),
        *(func.coalesce(func.sum(case((seconds <= bound, 1), else_=0)), 0) for bound in bounds),
    ))).one()
    return Buckets(tuple(bounds), tuple(int(n) for n in row[2:]), float(row[1]), int(row[0]))


def _seconds(conn: AsyncConnection, later: ColumnElement[datetime],
             earlier: ColumnElement[datetime]) -> ColumnElement[float]:
    if conn.dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    # SQLite keeps UTC text; julianday is in days, rounded to the millisecond so that a
    # minute is exactly 60.0 and lands in the bucket it belongs to.
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
