"""Running chain steps: escalations, follow-up check-ins, safety check-outs.

A step job takes a chain id and a step number, locks the chain, and does nothing unless that
step is still the chain's next one, is due, and nobody has answered: a stale job (the alert
was acknowledged or closed, or the step was superseded by an earlier escalation) is a no-op.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import rota_turn, step_recipients
from alerts.contacts import PHONE_CHANNELS
from alerts.incident import Incident
from alerts.routing import Recipient
from alerts.sites import Team
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.services.step_messages import StepMessages
from bot.store import chains
from bot.store.chains import Chain
from bot.store.pages import Page, add_pages, incident, insert_messages, team_pages
from bot.store.schema import chains as chain_table
from bot.store.schema import deliveries, incident_teams, incidents, pages, timeline
from bot.store.timeline import add_event, answered_since

# A staff alert, its escalation or its repage call: failing to reach the person pulls the
# team's next step forward.
_PAGING = ("alert", "escalation", "repage")
EARLY = timedelta(seconds=1)  # how early rq's scheduler may hand over a step (see below)


@dataclass(frozen=True)
class Escalator(UseCase):
    """Runs chain steps and pulls escalations forward when an alert did not reach someone."""

    async def run_step(self, chain_id: int, step: int) -> str:
        """Run one step if it is still due and unanswered; say what happened."""
        await self._wait_if_early(chain_id)
        now = self.clock()
        async with self.engine.begin() as conn:
            chain = await chains.get(conn, chain_id, for_update=True)
            if chain is None or not chain.live or chain.next_step != step:
                return "stale"
            if chain.next_at is not None and chain.next_at > now:
                return "not due"  # reconcile schedules it again when it is
            subject = await incident(conn, chain.incident_id)
            if subject is None:
                return "gone"
            answer = await self._answered(conn, chain)
            if answer:
                await chains.resolve(conn, [chain.id], now, answer)
                return f"answered: {answer}"
            keys = await self._perform(conn, chain, subject, now)
            following = await chains.advance(conn, chain, now)
        await hand_off(self.redis, Work(sends=keys, steps=[following] if following else [],
                                        refresh=[chain.incident_id]), now)
        return "ran"

    async def _wait_if_early(self, chain_id: int) -> None:
        # Steps are scheduled in whole seconds, cut down (bot.queue.connection.schedule_steps),
        # so the scheduler's one-second poll hands a step over up to a second early rather than
        # up to two seconds late: wait out the rest here, before any lock is taken.
        async with self.engine.connect() as conn:
            due = await conn.scalar(select(chain_table.c.next_at).where(
                chain_table.c.id == chain_id))
        early = (due - self.clock()).total_seconds() if due is not None else 0.0
        if 0 < early <= EARLY.total_seconds():
            await asyncio.sleep(early)

    async def escalate_now(self, incident_id: str, team_id: str) -> bool:
        """Make a team's next escalation step due now; False if it has nothing left to do."""
        return await self._pull(incident_id, team_id, "alert", "an alert did not reach its person")

    async def _pull(self, incident_id: str, team_id: str | None, kind: str, why: str) -> bool:
        now = self.clock()
        async with self.engine.begin() as conn:
            due = await chains.pull_team_forward(conn, incident_id, team_id, now, kind)
            if due:
                await add_event(conn, incident_id, now, "cmsbot", "escalating now", "system",
                                why, team_id)
        await hand_off(self.redis, Work(steps=due), now)
        return bool(due)

    async def delivery_failed(self, key: str) -> bool:
        """A staff alert that failed for good counts as not reaching that person."""
        return await self._failed(deliveries.c.key == key)

    async def delivery_failed_by_provider_id(self, provider_id: str) -> bool:
        """The same, found by the provider's id (from a status callback)."""
        return await self._failed(deliveries.c.provider_id == provider_id)

    async def _failed(self, which: ColumnElement[bool]) -> bool:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(deliveries.c.kind, deliveries.c.channel,
                                             deliveries.c.incident_id, deliveries.c.team_id)
                                      .where(which))).first()
        if row is None or row.kind not in (*_PAGING, "sos") or row.channel not in PHONE_CHANNELS:
            return False
        if row.kind == "sos" and row.incident_id:
            # An SOS call nobody took: the next coordinator's turn comes now.
            return await self._pull(row.incident_id, None, "sos", "an SOS call did not reach "
                                    "its person")
        if not row.incident_id or not row.team_id:
            return False
        return await self.escalate_now(row.incident_id, row.team_id)

    async def _answered(self, conn: AsyncConnection, chain: Chain) -> str | None:
        if chain.kind == "checkout":
            # Only the member's own check-out ends their safety timer: a close (theirs or a
            # colleague's) says nothing about whether they got home.
            return await self._checked_out(conn, chain)
        closed = await conn.scalar(select(incidents.c.closed_at).where(
            incidents.c.id == chain.incident_id))
        if closed is not None:
            return "incident closed"
        if chain.kind == "sos":
            # Anyone's acknowledgement answers an SOS (a coordinator's page has no team row).
            acked = await conn.scalar(select(pages.c.name).where(
                pages.c.incident_id == chain.incident_id, pages.c.acked_at.is_not(None)).limit(1))
            return f"acknowledged by {acked}" if acked else None
        if chain.team_id:
            state = (await conn.execute(select(incident_teams.c.acked_at, incident_teams.c.closed_at)
                                        .where(incident_teams.c.incident_id == chain.incident_id,
                                               incident_teams.c.team_id == chain.team_id))).first()
            if state is not None and state.closed_at is not None:
                return "team closed"
            if chain.kind in ("alert", "repage") and state is not None \
                    and state.acked_at is not None:
                return "acknowledged"
        if chain.kind == "followup" and await answered_since(conn, chain.incident_id,
                                                             chain.team_id, chain.started_at):
            return "update received"
        return None

    async def _checked_out(self, conn: AsyncConnection, chain: Chain) -> str | None:
        safe = await conn.scalar(select(pages.c.safe_at).where(
            pages.c.incident_id == chain.incident_id, pages.c.phone == chain.subject))
        return "checked out safe" if safe is not None else None

    async def _perform(self, conn: AsyncConnection, chain: Chain, subject: Incident,
                       now: datetime) -> list[str]:
        team = self._team(chain.team_id)
        step = chain.steps[chain.next_step]
        paged = await team_pages(conn, chain.incident_id, chain.team_id) if chain.team_id else []
        if step.action == "repage":
            people = await self._unanswered(conn, chain, team, paged)
        elif step.action == "rota":
            people = rota_turn(chain.next_step, self.sites, team, chain.subject, now)
        else:
            responders = [p.phone for p in paged if p.acked_at or p.on_scene_at]
            people = step_recipients(step.action, team, self.sites, now, responders)
        if chain.kind == "checkout":
            people = [p for p in people if p.phone != chain.subject]
        numbers = await add_pages(conn, chain.incident_id, people, now)
        messages = StepMessages(self.sites).build(chain, subject, step, team, people, numbers, now)
        if step.action != "repage" or people:
            await add_event(conn, chain.incident_id, now, "cmsbot", _event(chain.kind, step.action),
                            "+".join(step.via), _told(people), chain.team_id or None)
        return await insert_messages(conn, messages, now)

    async def _unanswered(self, conn: AsyncConnection, chain: Chain, team: Team | None,
                          paged: list[Page]) -> list[Recipient]:
        """The repage: members paged for the alert who have not answered it (no ack, not on
        scene, not "can't go") and take calls."""
        if team is None:
            return []
        declined = set((await conn.scalars(select(timeline.c.actor).where(
            timeline.c.incident_id == chain.incident_id, timeline.c.action == "can't go"))).all())
        calls = {m.phone for m in team.members if "voice" in m.contact}
        return [Recipient(p.phone, p.name, p.role, p.team_id, "not acknowledged") for p in paged
                if p.open and p.acked_at is None and p.on_scene_at is None
                and p.name not in declined and p.phone in calls]

    def _team(self, team_id: str) -> Team | None:
        return self.sites.find_team(team_id or None)


def _event(kind: str, action: str) -> str:
    if kind == "followup":
        return "follow-up sent" if action == "checkin" else "follow-up escalated"
    if kind == "checkout":
        return "check-out overdue" if action == "supervisor" else "check-out overdue, escalated"
    if action == "repage":
        return "called: no acknowledgement"
    if kind == "sos":
        return "SOS repeated: no acknowledgement"
    if action in ("oncall", "others"):
        return "escalated to the " + ("coordinator on call" if action == "oncall" else
                                      "other coordinators")
    return f"escalated to {action}"


def _told(people: list[Recipient]) -> str:
    return "told " + (", ".join(f"{p.name} ({p.role})" for p in people) or "nobody reachable")
