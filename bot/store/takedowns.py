"""Stored takedown plans: the plan, one row per step and team, and the plan's own events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.states import STEP, StepStatus
from alerts.takedown_plans import Plan, Step
from bot.store.schema import takedown_events, takedown_steps, takedowns


def plan_from_row(row: Any) -> Plan:
    """A stored plan."""
    m = row._mapping
    return Plan(m["id"], m["area"], m["area_label"], m["date"], m["note"], m["playbook"],
                tuple(m["teams"]), m["created_by"], m["created_at"], m["cancelled_at"])


def step_from_row(row: Any) -> Step:
    """A stored step."""
    m = row._mapping
    return Step(m["id"], m["takedown_id"], m["position"], m["team_id"], m["audience"], m["at"],
                m["text"], StepStatus(m["status"]), m["late"], m["sent_at"], m["subject_id"])


async def insert_plan(conn: AsyncConnection, values: dict[str, Any]) -> int:
    """Store a plan; its id."""
    result = await conn.execute(takedowns.insert().values(**values).returning(takedowns.c.id))
    return int(result.scalar_one())


async def insert_steps(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[Step]:
    """Store steps; the stored rows."""
    stored = []
    for row in rows:
        result = await conn.execute(takedown_steps.insert().values(**row).returning(takedown_steps))
        stored.append(step_from_row(result.one()))
    return stored


async def plan(conn: AsyncConnection, takedown_id: int) -> Plan | None:
    """One plan."""
    row = (await conn.execute(select(takedowns).where(takedowns.c.id == takedown_id))).first()
    return plan_from_row(row) if row else None


async def plans(conn: AsyncConnection) -> list[Plan]:
    """Every plan, newest date first."""
    rows = await conn.execute(select(takedowns).order_by(takedowns.c.date.desc(),
                                                         takedowns.c.id.desc()))
    return [plan_from_row(row) for row in rows]


async def steps(conn: AsyncConnection, takedown_id: int) -> list[Step]:
    """A plan's steps in time order."""
    rows = await conn.execute(select(takedown_steps).where(
        takedown_steps.c.takedown_id == takedown_id).order_by(
        takedown_steps.c.at, takedown_steps.c.position, takedown_steps.c.team_id))
    return [step_from_row(row) for row in rows]


async def step(conn: AsyncConnection, step_id: int, *, for_update: bool = False) -> Step | None:
    """One step; `for_update` locks it for the transaction (PostgreSQL)."""
    statement = select(takedown_steps).where(takedown_steps.c.id == step_id)
    if for_update and conn.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = (await conn.execute(statement)).first()
    return step_from_row(row) if row else None


async def move_step(conn: AsyncConnection, step_id: int, status: StepStatus,
                    **values: Any) -> bool:
    """Move a step to `status` (setting `values` too) if its machine allows that from where the
    step is now; False, and nothing changed, if not (a stale job, or another worker was first)."""
    result = await conn.execute(update(takedown_steps).where(
        takedown_steps.c.id == step_id, takedown_steps.c.status.in_(STEP.sources(status)))
        .values(status=status, **values))
    return bool(result.rowcount)


async def due_steps(conn: AsyncConnection, before: datetime) -> list[Step]:
    """Scheduled steps due before `before`: what reconcile makes sure has a job."""
    rows = await conn.execute(select(takedown_steps).where(
        takedown_steps.c.status == StepStatus.SCHEDULED, takedown_steps.c.at < before)
        .order_by(takedown_steps.c.at).limit(5000))
    return [step_from_row(row) for row in rows]


async def add_event(conn: AsyncConnection, takedown_id: int, at: datetime, actor: str, action: str,
                    detail: str = "") -> None:
    """One entry on the plan's own timeline."""
    await conn.execute(takedown_events.insert().values(takedown_id=takedown_id, at=at, actor=actor,
                                                       action=action, detail=detail))


async def events(conn: AsyncConnection, takedown_id: int) -> list[dict[str, Any]]:
    """The plan's own timeline."""
    rows = await conn.execute(select(takedown_events).where(
        takedown_events.c.takedown_id == takedown_id).order_by(takedown_events.c.at,
                                                               takedown_events.c.id))
    return [dict(row._mapping) for row in rows]
