"""Possible duplicates: a second report held until a coordinator decides, inside the caller's
transaction. The decision is a compare-and-set (`WHERE decision = 'pending'`): two presses of
Merge, or Merge and Keep separate at once, decide once and the other changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.duplicates import Duplicate
from alerts.states import DuplicateDecision
from bot.store.schema import possible_duplicates

PENDING = DuplicateDecision.PENDING


@dataclass(frozen=True)
class Held:
    """A report's possible duplicate row."""

    incident_id: str
    duplicate_of: str
    decision: DuplicateDecision
    decided_by: str | None


async def hold(conn: AsyncConnection, incident_id: str, duplicate: Duplicate) -> None:
    """Mark the new report a possible duplicate of `duplicate`, pending a decision."""
    await conn.execute(possible_duplicates.insert().values(
        incident_id=incident_id, duplicate_of=duplicate.incident_id,
        distance_m=duplicate.distance_m, minutes=duplicate.minutes, decision=PENDING))


async def held(conn: AsyncConnection, incident_id: str) -> Held | None:
    """The report's possible duplicate row; None for a report that was never one."""
    row = (await conn.execute(select(possible_duplicates).where(
        possible_duplicates.c.incident_id == incident_id))).first()
    if row is None:
        return None
    return Held(row.incident_id, row.duplicate_of, DuplicateDecision(row.decision),
                row.decided_by)


async def pending_among(conn: AsyncConnection, incident_ids: Sequence[str]) -> set[str]:
    """Which of these incidents are themselves held second reports (never a "first")."""
    if not incident_ids:
        return set()
    return set(await conn.scalars(select(possible_duplicates.c.incident_id).where(
        possible_duplicates.c.incident_id.in_(list(incident_ids)),
        possible_duplicates.c.decision == PENDING)))


async def decide(conn: AsyncConnection, incident_id: str, decision: DuplicateDecision,
                 by: str, now: datetime) -> bool:
    """Record the decision if none was made yet; False (nothing written) when one was."""
    moved = await conn.execute(update(possible_duplicates).where(
        possible_duplicates.c.incident_id == incident_id,
        possible_duplicates.c.decision == PENDING)
        .values(decision=decision, decided_by=by, decided_at=now))
    return bool(moved.rowcount)
