"""The writes of an update, a cancellation and a merge, each inside the caller's transaction.

`locked` reads the incident with its row locked (PostgreSQL's SELECT ... FOR UPDATE; SQLite's
BEGIN IMMEDIATE lets one writer in at a time), so two updates of one incident run one after
the other and the second sees what the first wrote. The status moves are guarded as well
(`WHERE status IN (...)`): a stale caller changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.changes import Change
from alerts.incident import Incident
from alerts.states import BROADCAST, INCIDENT, BroadcastStatus, IncidentStatus
from bot.store import chains
from bot.store.pages import incident_from_row
from bot.store.schema import broadcasts, incident_teams, incidents, pages

CANCELLED = IncidentStatus.CANCELLED
MERGED = IncidentStatus.MERGED
RELEASED = "released"  # a team's outcome when a corrected location left its catchment
# A member on scene keeps their page (and its number) until they check out: their safety
# timer runs on, whatever happens to the incident.
_STILL_ON_SCENE = pages.c.on_scene_at.is_not(None) & pages.c.safe_at.is_(None)


@dataclass(frozen=True)
class Stored:
    """A stored incident, locked for this transaction, with its status."""

    incident: Incident
    status: IncidentStatus
    unrouted: bool


async def locked(conn: AsyncConnection, incident_id: str) -> Stored | None:
    """The incident, its row locked until the transaction ends; None if unknown."""
    statement = select(incidents).where(incidents.c.id == incident_id)
    if conn.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = (await conn.execute(statement)).first()
    if row is None:
        return None
    return Stored(incident_from_row(row._mapping), IncidentStatus(row.status), bool(row.unrouted))


async def write_changes(conn: AsyncConnection, incident_id: str, changes: list[Change],
                        unrouted: bool | None = None) -> None:
    """Store the changed fields (and whether any team's catchment holds it now)."""
    values: dict[str, object] = {change.field: change.new for change in changes}
    if unrouted is not None:
        values["unrouted"] = unrouted
    await conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**values))


async def routed_teams(conn: AsyncConnection, incident_id: str) -> dict[str, bool]:
    """Every team routed to the incident, and whether its part is still open."""
    rows = await conn.execute(select(incident_teams.c.team_id, incident_teams.c.closed_at)
                              .where(incident_teams.c.incident_id == incident_id))
    return {row.team_id: row.closed_at is None for row in rows}


async def release_team(conn: AsyncConnection, incident_id: str, team_id: str,
                       now: datetime, why: str = "released: location corrected") -> None:
    """The team's part is over, not by its doing: pages closed (but for anyone on scene), its
    escalation, repage and follow-ups stopped (never a safety check-out timer)."""
    await conn.execute(update(incident_teams).where(
        incident_teams.c.incident_id == incident_id, incident_teams.c.team_id == team_id,
        incident_teams.c.closed_at.is_(None)).values(closed_at=now, outcome=RELEASED))
    await conn.execute(update(pages).where(pages.c.incident_id == incident_id,
                                           pages.c.team_id == team_id, ~_STILL_ON_SCENE)
                       .values(open=False))
    stopped = [c.id for c in await chains.of_incident(conn, incident_id, team_id)
               if c.kind != "checkout"]
    await chains.resolve(conn, stopped, now, why)


async def cancel(conn: AsyncConnection, incident_id: str, now: datetime) -> bool:
    """Mark the incident cancelled and stop every chain but the safety check-outs; False (and
    nothing written) when it cannot move to cancelled (already cancelled)."""
    return await _end(conn, incident_id, now, CANCELLED, "incident cancelled")


async def merge(conn: AsyncConnection, incident_id: str, into: str, now: datetime) -> bool:
    """End a second report as merged into `into`: as a cancellation ends an incident (chains
    stopped but the check-outs, pages closed); False when it cannot move to merged."""
    return await _end(conn, incident_id, now, MERGED, f"merged into {into}")


async def _end(conn: AsyncConnection, incident_id: str, now: datetime, status: IncidentStatus,
               why: str) -> bool:
    moved = await conn.execute(update(incidents).where(
        incidents.c.id == incident_id, incidents.c.status.in_(INCIDENT.sources(status)))
        .values(status=status, closed_at=func.coalesce(incidents.c.closed_at, now),
                outcome=func.coalesce(incidents.c.outcome, status.value)))
    if not moved.rowcount:
        return False
    await conn.execute(update(incident_teams).where(
        incident_teams.c.incident_id == incident_id, incident_teams.c.closed_at.is_(None))
        .values(closed_at=now, outcome=status.value))
    await conn.execute(update(pages).where(pages.c.incident_id == incident_id, ~_STILL_ON_SCENE)
                       .values(open=False))
    stopped = [c.id for c in await chains.of_incident(conn, incident_id) if c.kind != "checkout"]
    await chains.resolve(conn, stopped, now, why)
    return True


async def withdraw_notices(conn: AsyncConnection, incident_id: str, now: datetime) -> int:
    """Withdraw the incident's resident notices not yet sending; how many were withdrawn."""
    withdrawn = await conn.execute(update(broadcasts).where(
        broadcasts.c.incident_id == incident_id, broadcasts.c.kind == "notice",
        broadcasts.c.status.in_(BROADCAST.sources(BroadcastStatus.WITHDRAWN)))
        .values(status=BroadcastStatus.WITHDRAWN, finished_at=now))
    return int(withdrawn.rowcount or 0)
