"""Stored incidents: the steps ingest takes in its transaction, and the view the API reads."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.incident import Incident
from alerts.linking import LINK_ACTION, RADIUS_M, Link, link_detail
from alerts.routing import Plan, TeamRoute
from alerts.states import IncidentStatus
from bot.store.dialect import insert_ignore
from bot.store.pages import incident_from_row
from bot.store.schema import deliveries, incident_links, incident_teams, incidents, pages, timeline

_EARTH_RADIUS_M = 6_371_008.8


async def insert(conn: AsyncConnection, incident: Incident, unrouted: bool, now: datetime) -> bool:
    """Store a new incident as open; False (and nothing written) if its id is known already."""
    return await insert_ignore(conn, incidents, {
        "id": incident.id, "occurred_at": incident.occurred_at, "received_at": now,
        "lat": incident.lat, "lon": incident.lon, "precinct": incident.precinct,
        "borough": incident.borough, "fatal": incident.fatal, "victims": incident.victims,
        "location": incident.location, "hospital": incident.hospital,
        "source": incident.source, "verified": incident.verified,
        "status": IncidentStatus.OPEN, "unrouted": unrouted, "type": incident.type,
    })


async def add_routes(conn: AsyncConnection, incident_id: str, routes: Sequence[TeamRoute],
                     required_acks: Mapping[str, int]) -> None:
    """The teams an incident was routed to, with the acknowledgements each needs."""
    if routes:
        await conn.execute(incident_teams.insert(), [
            {"incident_id": incident_id, "team_id": r.team_id, "reason": r.reason,
             "required_acks": required_acks.get(r.team_id, 1)} for r in routes])


async def add_links(conn: AsyncConnection, incident_id: str, links: Sequence[Link],
                    now: datetime) -> None:
    """Possible retaliation links, with an event on both incidents' timelines."""
    if not links:
        return
    # Two statements for all links: a busy area links one shooting to many open ones.
    await conn.execute(incident_links.insert(), [
        {"incident_id": incident_id, "linked_id": link.incident_id,
         "distance_m": link.distance_m, "hours": link.hours} for link in links])
    events = []
    for link in links:
        for own, other in ((incident_id, link.incident_id), (link.incident_id, incident_id)):
            events.append({"incident_id": own, "at": now, "actor": "cmsbot",
                           "action": LINK_ACTION, "channel": "system",
                           "detail": link_detail(other, link.distance_m, link.hours),
                           "team_id": None})
    await conn.execute(timeline.insert(), events)


async def add_routing_events(conn: AsyncConnection, incident: Incident, plan: Plan,
                             now: datetime, not_paged: str | None = None) -> None:
    """Received, routed and paged (or `not_paged`, saying why): the first lines of the
    incident's timeline."""
    await conn.execute(timeline.insert(), _routing_timeline(incident, plan, now, not_paged))


async def open_near(conn: AsyncConnection, incident: Incident, window: timedelta,
                    radius_m: float = RADIUS_M) -> list[Incident]:
    """Open shootings within `window` of this one's time and about `radius_m` of its place:
    candidates for linking (a box around the circle; `find_links` measures the distance)."""
    if incident.lat is None or incident.lon is None:
        return []
    # Only the box is read: loading every open incident of the window made each ingest
    # slower than the last on a busy day (and on any replay of history).
    lat_span, lon_span = _box(incident.lat, radius_m)
    rows = await conn.execute(select(incidents).where(
        incidents.c.kind == "shooting",
        incidents.c.closed_at.is_(None), incidents.c.lat.is_not(None),
        incidents.c.occurred_at >= incident.occurred_at - window,
        incidents.c.occurred_at <= incident.occurred_at + window,
        incidents.c.lat.between(incident.lat - lat_span, incident.lat + lat_span),
        incidents.c.lon.between(incident.lon - lon_span, incident.lon + lon_span),
        incidents.c.id != incident.id))
    return [incident_from_row(row._mapping) for row in rows]


@dataclass(frozen=True)
class Summary:
    """A stored incident's status, teams and how many deliveries it made."""

    status: IncidentStatus
    teams: tuple[str, ...]
    deliveries: int


async def summary(conn: AsyncConnection, incident_id: str) -> Summary:
    """What ingest answers for an incident already stored."""
    status = await conn.scalar(select(incidents.c.status).where(incidents.c.id == incident_id))
    teams = await conn.scalars(select(incident_teams.c.team_id)
                               .where(incident_teams.c.incident_id == incident_id)
                               .order_by(incident_teams.c.team_id))
    count = await conn.scalar(select(func.count()).select_from(deliveries)
                              .where(deliveries.c.incident_id == incident_id))
    return Summary(IncidentStatus(str(status)), tuple(teams), int(count or 0))


class IncidentStore:
    """Reading incidents with everything routed from them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def view(self, incident_id: str) -> dict[str, Any] | None:
        """The incident with its teams, pages, deliveries and timeline, for the API."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(incidents).where(incidents.c.id == incident_id))).first()
            if row is None:
                return None
            teams = await conn.execute(select(incident_teams.c.team_id, incident_teams.c.reason)
                                       .where(incident_teams.c.incident_id == incident_id)
                                       .order_by(incident_teams.c.team_id))
            paged = await conn.execute(select(pages).where(pages.c.incident_id == incident_id)
                                       .order_by(pages.c.team_id, pages.c.name))
            sent = await conn.execute(select(deliveries).where(deliveries.c.incident_id == incident_id)
                                      .order_by(deliveries.c.channel, deliveries.c.recipient_name))
            events = await conn.execute(select(timeline).where(timeline.c.incident_id == incident_id)
                                        .order_by(timeline.c.at, timeline.c.id))
            links = await conn.execute(select(incident_links).where(or_(
                incident_links.c.incident_id == incident_id, incident_links.c.linked_id == incident_id)))
            return {
                "incident": dict(row._mapping),
                "teams": [dict(r._mapping) for r in teams],
                "pages": [dict(r._mapping) for r in paged],
                "deliveries": [dict(r._mapping) for r in sent],
                "timeline": [dict(r._mapping) for r in events],
                "links": [{"incident": r.linked_id if r.incident_id == incident_id else r.incident_id,
                           "distance_m": r.distance_m, "hours": r.hours} for r in links],
            }


def _box(lat: float, radius_m: float) -> tuple[float, float]:
    """Half the height and width in degrees of a box that surely holds the circle around `lat`."""
    # Twice the spherical size: rounding or the earth's shape can never leave a link outside.
    lat_span = 2 * math.degrees(radius_m / _EARTH_RADIUS_M)
    cos_lat = math.cos(math.radians(min(abs(lat) + lat_span, 90.0)))
    return lat_span, (lat_span / cos_lat if cos_lat > 0.01 else 360.0)


def _routing_timeline(incident: Incident, plan: Plan, now: datetime,
                      not_paged: str | None = None) -> list[dict[str, Any]]:
    source = incident.source or "feed"
    events = [{"incident_id": incident.id, "at": now, "actor": source, "action": "received",
               "channel": "api", "detail": f"occurred {incident.occurred_at.isoformat()}"}]
    if plan.unrouted and plan.declined:
        detail = f"no team there takes {incident.type} incidents; sent to the coordinators"
    elif plan.unrouted:
        detail = "no team catchment holds it; sent to the coordinators"
    else:
        detail = "; ".join(f"{r.team_id}: {r.reason}" for r in plan.routes)
    if plan.declined:  # the coordinators see why a team whose area it is was not paged
        detail += "".join(f"; {team}: takes no {incident.type}" for team in plan.declined)
    events.append({"incident_id": incident.id, "at": now, "actor": "cmsbot", "action": "routed",
                   "channel": "system", "detail": detail})
    if not_paged is not None:
        events.append({"incident_id": incident.id, "at": now, "actor": "cmsbot",
                       "action": "not-paged", "channel": "system", "detail": not_paged})
        return events
    paged = ", ".join(f"{r.name} ({r.team_id or r.role})" for r in plan.recipients)
    events.append({"incident_id": incident.id, "at": now, "actor": "cmsbot", "action": "paged",
                   "channel": "sms", "detail": paged or "nobody: no phone to page"})
    return events
