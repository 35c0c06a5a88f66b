"""Storing routed incidents: the incident, its teams, pages and deliveries, in one transaction."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.chains import ChainPlan, Due
from alerts.incident import Incident
from alerts.linking import RADIUS_M, WINDOW, Link
from alerts.outbound import Outbound
from alerts.routing import Plan
from alerts.states import IncidentStatus
from bot.store.chains import create as create_chains
from bot.store.dialect import insert_ignore
from bot.store.pages import add_pages, incident_from_row, insert_messages
from bot.store.schema import deliveries, incident_links, incident_teams, incidents, pages, timeline

_EARTH_RADIUS_M = 6_371_008.8

# Build the outbound messages once short numbers are known (phone -> number).
Render = Callable[[Mapping[str, int]], Sequence[Outbound]]


@dataclass(frozen=True)
class Routed:
    """Everything decided about a new incident before it is stored."""

    incident: Incident
    plan: Plan
    render: Render
    chains: Sequence[ChainPlan] = ()
    links: Sequence[Link] = ()
    required_acks: Mapping[str, int] = field(default_factory=dict)
    # When set, the store reads the open incidents near this one in its own transaction and
    # stores what this returns for them instead: one pooled connection per ingest, not two.
    relink: Callable[[Sequence[Incident]], Routed] | None = None


@dataclass(frozen=True)
class IngestOutcome:
    """What the ingest API answers, and the delivery keys that still need a send job."""

    incident_id: str
    status: str  # an IncidentStatus, or "dry-run" from `cmsbot replay`
    teams: tuple[str, ...]
    deliveries: int
    duplicate: bool
    keys: tuple[str, ...] = ()
    due: tuple[Due, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The 202 body of `POST /api/incidents`."""
        return {"id": self.incident_id, "status": self.status, "teams": list(self.teams),
                "deliveries": self.deliveries, "duplicate": self.duplicate}


class IncidentStore:
    """Incidents and everything routed from them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, routed: Routed, now: datetime) -> IngestOutcome:
        """Store a newly routed incident once; a second call with the same id changes nothing."""
        for attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    return await self._record(conn, routed, now)
            except IntegrityError:
                # A backstop: the number locks should prevent it, but a unique index violation
                # is always safe to retry with fresh numbers (nothing was committed).
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _record(self, conn: AsyncConnection, routed: Routed, now: datetime) -> IngestOutcome:
        incident, plan = routed.incident, routed.plan
        fresh = await insert_ignore(conn, incidents, {
            "id": incident.id, "occurred_at": incident.occurred_at, "received_at": now,
            "lat": incident.lat, "lon": incident.lon, "precinct": incident.precinct,
            "borough": incident.borough, "fatal": incident.fatal, "victims": incident.victims,
            "location": incident.location, "hospital": incident.hospital,
            "source": incident.source, "verified": incident.verified,
            "status": IncidentStatus.OPEN, "unrouted": plan.unrouted,
        })
        if not fresh:
            return await self._summary(conn, incident.id)
        if routed.relink is not None:
            routed = routed.relink(await self._open_near(conn, incident, WINDOW, RADIUS_M))
        if plan.routes:
            await conn.execute(incident_teams.insert(), [
                {"incident_id": incident.id, "team_id": r.team_id, "reason": r.reason,
                 "required_acks": routed.required_acks.get(r.team_id, 1)} for r in plan.routes])
        numbers = await add_pages(conn, incident.id, plan.recipients, now, fresh=True)
        messages = routed.render(numbers)
        keys = await insert_messages(conn, messages, now, fresh=True)
        await conn.execute(timeline.insert(), _routing_timeline(incident, plan, now))
        await self._link(conn, incident.id, routed.links, now)
        due = await create_chains(conn, incident.id, routed.chains, fresh=True)
        return IngestOutcome(incident.id, IncidentStatus.OPEN, plan.team_ids, len(messages), False,
                             tuple(keys), tuple(due))

    async def _link(self, conn: AsyncConnection, incident_id: str, links: Sequence[Link],
                    now: datetime) -> None:
        if not links:
            return
        # Two statements for all links: a busy area links one shooting to many open ones.
        await conn.execute(incident_links.insert(), [
            {"incident_id": incident_id, "linked_id": link.incident_id,
             "distance_m": link.distance_m, "hours": link.hours} for link in links])
        events = []
        for link in links:
            detail = f"{link.distance_m:.0f} m and {link.hours:.0f} h apart"
            for own, other in ((incident_id, link.incident_id), (link.incident_id, incident_id)):
                events.append({"incident_id": own, "at": now, "actor": "cmsbot",
                               "action": "possible retaliation", "channel": "system",
                               "detail": f"linked to {other}: {detail}", "team_id": None})
        await conn.execute(timeline.insert(), events)

    async def open_near(self, incident: Incident, window: timedelta,
                        radius_m: float = RADIUS_M) -> list[Incident]:
        """Open incidents within `window` of this one's time and about `radius_m` of its place:
        candidates for linking (a box around the circle; `find_links` measures the distance)."""
        async with self.engine.connect() as conn:
            return await self._open_near(conn, incident, window, radius_m)

    async def _open_near(self, conn: AsyncConnection, incident: Incident, window: timedelta,
                         radius_m: float) -> list[Incident]:
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

    async def _summary(self, conn: AsyncConnection, incident_id: str) -> IngestOutcome:
        status = await conn.scalar(select(incidents.c.status).where(incidents.c.id == incident_id))
        teams = await conn.scalars(select(incident_teams.c.team_id)
                                   .where(incident_teams.c.incident_id == incident_id)
                                   .order_by(incident_teams.c.team_id))
        count = await conn.scalar(select(func.count()).select_from(deliveries)
                                  .where(deliveries.c.incident_id == incident_id))
        return IngestOutcome(incident_id, IncidentStatus(str(status)), tuple(teams), int(count or 0), True)

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


def _routing_timeline(incident: Incident, plan: Plan, now: datetime) -> list[dict[str, Any]]:
    source = incident.source or "feed"
    events = [{"incident_id": incident.id, "at": now, "actor": source, "action": "received",
               "channel": "api", "detail": f"occurred {incident.occurred_at.isoformat()}"}]
    if plan.unrouted:
        detail = "no team catchment holds it; sent to the coordinators"
    else:
        detail = "; ".join(f"{r.team_id}: {r.reason}" for r in plan.routes)
    events.append({"incident_id": incident.id, "at": now, "actor": "cmsbot", "action": "routed",
                   "channel": "system", "detail": detail})
    paged = ", ".join(f"{r.name} ({r.team_id or r.role})" for r in plan.recipients)
    events.append({"incident_id": incident.id, "at": now, "actor": "cmsbot", "action": "paged",
                   "channel": "sms", "detail": paged or "nobody: no phone to page"})
    return events
