"""Post-takedown plans: scheduled from a playbook, kept in the database, sent by rq jobs.

A plan is confidential until its date: nothing is sent before then (every step is on or after
the date), and only coordinators see it listed. Steps already past when a plan is made (a
takedown up to a week back) are listed and sent only when a coordinator confirms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.numbered_ids import id_number
from alerts.playbooks import PlaybookStep
from alerts.routine_hours import next_opening
from alerts.sites import Person
from alerts.states import IncidentStatus, StepStatus
from alerts.takedown_plans import Plan, PlanView, Step
from alerts.takedowns import Area, TakedownError, parse_date, resolve_area, schedule, wall_clock
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store import chains
from bot.store import takedowns as db
from bot.store.schema import incident_teams, incidents, pages, takedowns, timeline


class NoSuchTakedown(TakedownError):
    """The reference names no takedown: malformed, or not a plan that exists."""

    def __init__(self, message: str) -> None:
        super().__init__("id", message)


def takedown_number(reference: str) -> int:
    """TD-7, td7 or 7 -> 7; TakedownError otherwise."""
    number = id_number(reference, "TD")
    if number is None:
        raise NoSuchTakedown(f"{reference!r} is not a takedown id; they look like TD-7")
    return number


@dataclass(frozen=True)
class Planner(UseCase):
    """Makes, moves, cancels and shows takedown plans."""

    async def create(self, area_spec: str, date_text: str, note: str, created_by: str,
                     confirm_past: bool = False, playbook: str = "default") -> PlanView:
        """Plan the outreach for the teams covering `area_spec` from `date_text` on."""
        now = self.clock()
        steps = self.sites.playbooks.get(playbook)
        if not steps:
            raise TakedownError("playbook", f"the sites file has no takedown_playbooks.{playbook}")
        area = resolve_area(area_spec, self.sites)
        takedown_date = parse_date(date_text, now.astimezone(self.sites.tz).date())
        async with self.engine.begin() as conn:
            plan_id = await db.insert_plan(conn, {
                "area": area.spec, "area_label": area.label, "date": takedown_date,
                "note": note.strip(), "playbook": playbook, "teams": list(area.team_ids),
                "created_by": created_by, "created_at": now})
            rows = [{"takedown_id": plan_id, "position": position, "team_id": team_id,
                     "audience": step.audience, "at": at, "text": step.text,
                     "status": _initial_status(at, now, confirm_past)}
                    for team_id in area.team_ids
                    for position, step, at in self._schedule_for(team_id, takedown_date, steps)]
            stored = await db.insert_steps(conn, rows)
            await db.add_event(conn, plan_id, now, created_by, "planned",
                               _planned_detail(area, takedown_date, note))
        await self._schedule(stored, now)
        return await self.view(plan_id)

    async def move(self, reference: str, date_text: str, actor: str) -> PlanView:
        """Move the plan to another date: every step not yet sent follows it."""
        now = self.clock()
        async with self.engine.begin() as conn:
            plan = await self._live_plan(conn, reference)
            new_date = parse_date(date_text, now.astimezone(self.sites.tz).date())
            shift = new_date - plan.date
            moved = []
            for step in await db.steps(conn, plan.id):
                # Shift the wall-clock time, not the UTC instant: 10:00 stays 10:00 across DST.
                local = step.at.astimezone(self.sites.tz).replace(tzinfo=None) + shift
                at = self._routine(step.team_id, wall_clock(local, self.sites.tz))
                status = StepStatus.SCHEDULED if at >= now else StepStatus.PAST
                if await db.move_step(conn, step.id, status, at=at):  # sent ones stay as they were
                    moved.append(step.id)
            await conn.execute(update(takedowns).where(takedowns.c.id == plan.id)
                               .values(date=new_date))
            await db.add_event(conn, plan.id, now, actor, "moved",
                               f"from {plan.date.isoformat()} to {new_date.isoformat()}")
            steps = [s for s in await db.steps(conn, plan.id) if s.id in moved]
        await self._schedule(steps, now)
        return await self.view(plan.id)

    async def confirm_past(self, reference: str, actor: str) -> PlanView:
        """Send now the steps that were already past when the plan was made."""
        now = self.clock()
        async with self.engine.begin() as conn:
            plan = await self._live_plan(conn, reference)
            past = [s for s in await db.steps(conn, plan.id) if s.status == StepStatus.PAST]
            for step in past:
                await db.move_step(conn, step.id, StepStatus.SCHEDULED)
            await db.add_event(conn, plan.id, now, actor, "confirmed past steps",
                               f"{len(past)} sent now, marked late")
            past = [s for s in await db.steps(conn, plan.id) if s.id in {p.id for p in past}]
        await self._schedule(past, now)
        return await self.view(plan.id)

    async def cancel(self, reference: str, actor: str) -> PlanView:
        """Cancel the rest of a plan; reminders already out stop escalating."""
        now = self.clock()
        async with self.engine.begin() as conn:
            plan = await self._live_plan(conn, reference)
            await conn.execute(update(takedowns).where(takedowns.c.id == plan.id)
                               .values(cancelled_at=now))
            for step in await db.steps(conn, plan.id):
                await db.move_step(conn, step.id, StepStatus.CANCELLED)  # unless sent already
            await close_reminders(conn, plan.id, now, "cancelled")
            await db.add_event(conn, plan.id, now, actor, "cancelled", "the remaining steps")
        return await self.view(plan.id)

    async def view(self, takedown_id: int) -> PlanView:
        """A plan with its steps and its whole timeline (plan events and the team's answers)."""
        async with self.engine.connect() as conn:
            plan = await db.plan(conn, takedown_id)
            if plan is None:
                raise NoSuchTakedown(f"no takedown TD-{takedown_id}")
            steps = await db.steps(conn, takedown_id)
            entries = [{"at": e["at"], "actor": e["actor"], "action": e["action"],
                        "detail": e["detail"], "team": None} for e in await db.events(conn, plan.id)]
            subjects = [s.subject_id for s in steps if s.subject_id]
            for row in await conn.execute(select(timeline).where(
                    timeline.c.incident_id.in_(subjects),
                    timeline.c.action.not_in(("received", "routed", "paged")))):
                entries.append({"at": row.at, "actor": row.actor, "action": row.action,
                                "detail": row.detail, "team": row.team_id})
        return PlanView(plan, steps, sorted(entries, key=lambda e: e["at"]))

    async def visible(self, viewer: Person | None) -> list[PlanView]:
        """Plans a viewer may see: coordinators (and the API: None) all; members their teams'
        plans once their date has come."""
        today = self.clock().astimezone(self.sites.tz).date()
        async with self.engine.connect() as conn:
            found = await db.plans(conn)
        shown = [p for p in found if viewer is None or viewer.is_coordinator
                 or (p.date <= today and set(p.teams) & set(viewer.team_ids))]
        return [await self.view(p.id) for p in shown]

    async def _live_plan(self, conn: AsyncConnection, reference: str) -> Plan:
        plan = await db.plan(conn, takedown_number(reference))
        if plan is None:
            raise NoSuchTakedown(f"no takedown {reference}; `/cms takedowns` lists them")
        if plan.cancelled_at is not None:
            raise TakedownError("id", f"{plan.name} was cancelled")
        return plan

    def _schedule_for(self, team_id: str, takedown_date: date,
                      steps: Sequence[PlaybookStep]) -> list[tuple[int, PlaybookStep, datetime]]:
        return [(position, step, self._routine(team_id, at))
                for position, step, at in schedule(takedown_date, steps, self.sites.tz)]

    def _routine(self, team_id: str, at: datetime) -> datetime:
        # Reminders are routine: one due outside the team's routine hours waits for the opening.
        team = self.sites.find_team(team_id)
        return next_opening(at, team.routine_hours, self.sites.tz) if team else at

    async def _schedule(self, steps: list[Step], now: datetime) -> None:
        waiting = [s for s in steps if s.status == StepStatus.SCHEDULED]
        if waiting:
            await hand_off(self.redis, Work(takedown_steps=[(s.id, s.at) for s in waiting]), now)


async def close_reminders(conn: AsyncConnection, takedown_id: int, now: datetime, outcome: str,
                          team_id: str | None = None) -> None:
    """Close a plan's open reminders (all, or one team's): numbers freed, escalations stopped."""
    statement = select(incidents.c.id).where(incidents.c.takedown_id == takedown_id,
                                             incidents.c.closed_at.is_(None))
    if team_id is not None:
        statement = statement.where(incidents.c.id.in_(select(incident_teams.c.incident_id).where(
            incident_teams.c.team_id == team_id)))
    open_ids = list(await conn.scalars(statement))
    if not open_ids:
        return
    await conn.execute(update(incidents).where(incidents.c.id.in_(open_ids)).values(
        status=IncidentStatus.CLOSED, closed_at=now, outcome=outcome))
    await conn.execute(update(pages).where(pages.c.incident_id.in_(open_ids)).values(open=False))
    for incident_id in open_ids:
        live = await chains.of_incident(conn, incident_id)
        await chains.resolve(conn, [c.id for c in live], now, outcome)


def _initial_status(at: datetime, now: datetime, confirm_past: bool) -> StepStatus:
    if at >= now - timedelta(minutes=1) or confirm_past:
        return StepStatus.SCHEDULED
    return StepStatus.PAST


def _planned_detail(area: Area, takedown_date: date, note: str) -> str:
    teams = ", ".join(area.team_ids)
    return f"{area.label} on {takedown_date.isoformat()} for {teams}" + (f": {note}" if note else "")
