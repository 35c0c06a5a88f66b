"""Storing routed incidents: the incident, its teams, pages and deliveries, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.incident import Incident
from alerts.outbound import Outbound, next_number
from alerts.routing import Plan
from bot.store.dialect import insert_ignore, lock_keys
from bot.store.schema import deliveries, incident_teams, incidents, pages, timeline

# Build the outbound messages once short numbers are known (phone -> number).
Render = Callable[[Mapping[str, int]], Sequence[Outbound]]


@dataclass(frozen=True)
class IngestOutcome:
    """What the ingest API answers, and the delivery keys that still need a send job."""

    incident_id: str
    status: str
    teams: tuple[str, ...]
    deliveries: int
    duplicate: bool
    keys: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The 202 body of `POST /api/incidents`."""
        return {"id": self.incident_id, "status": self.status, "teams": list(self.teams),
                "deliveries": self.deliveries, "duplicate": self.duplicate}


class IncidentStore:
    """Incidents and everything routed from them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, incident: Incident, plan: Plan, render: Render,
                     now: datetime) -> IngestOutcome:
        """Store a newly routed incident once; a second call with the same id changes nothing."""
        for attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    return await self._record(conn, incident, plan, render, now)
            except IntegrityError:
                # A backstop: the number locks should prevent it, but a unique index violation
                # is always safe to retry with fresh numbers (nothing was committed).
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _record(self, conn: AsyncConnection, incident: Incident, plan: Plan, render: Render,
                      now: datetime) -> IngestOutcome:
        fresh = await insert_ignore(conn, incidents, {
            "id": incident.id, "occurred_at": incident.occurred_at, "received_at": now,
            "lat": incident.lat, "lon": incident.lon, "precinct": incident.precinct,
            "borough": incident.borough, "fatal": incident.fatal, "victims": incident.victims,
            "location": incident.location, "hospital": incident.hospital,
            "source": incident.source, "verified": incident.verified,
            "status": "open", "unrouted": plan.unrouted,
        })
        if not fresh:
            return await self._summary(conn, incident.id)
        numbers = await self._allocate_numbers(conn, [r.phone for r in plan.recipients])
        messages = render(numbers)
        if plan.routes:
            await conn.execute(incident_teams.insert(), [
                {"incident_id": incident.id, "team_id": r.team_id, "reason": r.reason}
                for r in plan.routes])
        if plan.recipients:
            await conn.execute(pages.insert(), [
                {"incident_id": incident.id, "phone": r.phone, "name": r.name, "role": r.role,
                 "team_id": r.team_id, "reason": r.reason, "number": numbers[r.phone],
                 "open": True, "created_at": now}
                for r in plan.recipients])
        if messages:
            await conn.execute(deliveries.insert(), [_delivery_row(m, now) for m in messages])
        await conn.execute(timeline.insert(), _routing_timeline(incident, plan, now))
        return IngestOutcome(incident.id, "open", plan.team_ids, len(messages), False,
                             tuple(m.key for m in messages))

    async def _allocate_numbers(self, conn: AsyncConnection, phones: list[str]) -> dict[str, int]:
        if not phones:
            return {}
        # Two incidents paging the same person at once must not both pick the same number.
        await lock_keys(conn, [f"short-number:{phone}" for phone in phones])
        rows = await conn.execute(
            select(pages.c.phone, pages.c.number).where(pages.c.open, pages.c.phone.in_(phones)))
        in_use: dict[str, set[int]] = {}
        for phone, number in rows:
            in_use.setdefault(phone, set()).add(number)
        return {phone: next_number(in_use.get(phone, set())) for phone in phones}

    async def _summary(self, conn: AsyncConnection, incident_id: str) -> IngestOutcome:
        status = await conn.scalar(select(incidents.c.status).where(incidents.c.id == incident_id))
        teams = await conn.scalars(select(incident_teams.c.team_id)
                                   .where(incident_teams.c.incident_id == incident_id)
                                   .order_by(incident_teams.c.team_id))
        count = await conn.scalar(select(func.count()).select_from(deliveries)
                                  .where(deliveries.c.incident_id == incident_id))
        return IngestOutcome(incident_id, str(status), tuple(teams), int(count or 0), True)

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
            return {
                "incident": dict(row._mapping),
                "teams": [dict(r._mapping) for r in teams],
                "pages": [dict(r._mapping) for r in paged],
                "deliveries": [dict(r._mapping) for r in sent],
                "timeline": [dict(r._mapping) for r in events],
            }


def _delivery_row(message: Outbound, now: datetime) -> dict[str, Any]:
    return {
        "key": message.key, "incident_id": message.incident_id, "kind": message.kind,
        "channel": message.channel, "sender": message.sender, "recipient": message.recipient,
        "recipient_name": message.recipient_name, "team_id": message.team_id,
        "body": message.body, "blocks": list(message.blocks) or None, "status": "pending",
        "attempts": 0, "created_at": now, "updated_at": now,
    }


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
