"""What the dashboard reads: incidents for the map, and a version that changes with anything
a viewer would see change (a new incident, an action on the timeline, a delivery's status)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.map_shapes import DIGITS
from alerts.render import headline
from bot.store.pages import incident_from_row
from bot.store.schema import deliveries, incident_teams, incidents, timeline

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
MAP_LIMIT = 5000  # a month of the city's shootings is a few hundred; this bounds a bad day
_IN_CHUNK = 500  # bounded IN lists


@dataclass(frozen=True)
class MapIncident:
    """One incident as a dot on the map (lon/lat, as the outlines are)."""

    id: str
    lon: float
    lat: float
    occurred_at: datetime
    headline: str
    fatal: bool
    status: str
    teams: tuple[str, ...]
    location: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The dot's JSON for the map script."""
        return {"id": self.id, "lon": self.lon, "lat": self.lat, "occurred_at": self.occurred_at,
                "headline": self.headline, "fatal": self.fatal, "status": self.status,
                "teams": list(self.teams), "location": self.location}


async def map_incidents(engine: AsyncEngine, since: datetime,
                        team_ids: tuple[str, ...] | None) -> list[MapIncident]:
    """Shootings since `since`, newest first; only those routed to `team_ids` unless None (all)."""
    query = (select(incidents).where(incidents.c.occurred_at >= since, incidents.c.kind == "shooting",
                                     incidents.c.lat.is_not(None))
             .order_by(incidents.c.occurred_at.desc()).limit(MAP_LIMIT))
    if team_ids is not None:
        query = query.where(incidents.c.id.in_(select(incident_teams.c.incident_id).where(
            incident_teams.c.team_id.in_(team_ids))))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        routed = await routed_teams(conn, [row.id for row in rows])
    found = []
    for row in rows:
        incident = incident_from_row(row._mapping)
        found.append(MapIncident(row.id, round(row.lon, DIGITS), round(row.lat, DIGITS),
                                 row.occurred_at, headline(incident), row.fatal, row.status,
                                 tuple(routed.get(row.id, [])), row.location))
    return found


async def version(engine: AsyncEngine) -> str:
    """Changes whenever an incident arrives, someone acts, or a delivery moves."""
    async with engine.connect() as conn:
        last_event = await conn.scalar(select(func.max(timeline.c.id)))
        last_delivery = await conn.scalar(select(func.max(deliveries.c.updated_at)))
    stamp = last_delivery.timestamp() if isinstance(last_delivery, datetime) else 0
    return f"{last_event or 0}-{stamp:.3f}"


async def teams_of(engine: AsyncEngine, incident_ids: Sequence[str]) -> dict[str, list[str]]:
    """The teams each of these incidents was routed to (sorted; absent when unrouted)."""
    async with engine.connect() as conn:
        return await routed_teams(conn, incident_ids)


async def routed_teams(conn: AsyncConnection, incident_ids: Sequence[str]) -> dict[str, list[str]]:
    """Team ids per incident, sorted, read in bounded IN lists (one query per 500 incidents)."""
    routed: dict[str, list[str]] = {}
    for start in range(0, len(incident_ids), _IN_CHUNK):
        for link in await conn.execute(
                select(incident_teams.c.incident_id, incident_teams.c.team_id)
                .where(incident_teams.c.incident_id.in_(incident_ids[start:start + _IN_CHUNK]))
                .order_by(incident_teams.c.team_id)):
            routed.setdefault(link.incident_id, []).append(link.team_id)
    return routed
