"""Running chain steps: escalations, follow-up check-ins, safety check-outs.

A step job takes a chain id and a step number, locks the chain, and does nothing unless that
step is still the chain's next one, is due, and nobody has answered: a stale job (the alert
was acknowledged or closed, or the step was superseded by an earlier escalation) is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import step_recipients
from alerts.incident import Incident
from alerts.outbound import Outbound, delivery_key
from alerts.routing import Recipient
from alerts.sites import Team
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.staff_texts import checkin_sms, checkout_overdue_sms, escalation_sms, followup_overdue_sms
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store import chains
from bot.store.chains import Chain
from bot.store.pages import add_pages, incident, insert_messages, team_pages
from bot.store.schema import deliveries, incident_teams, incidents, pages
from bot.store.timeline import add_event, answered_since


@dataclass(frozen=True)
class Escalator(UseCase):
    """Runs chain steps and pulls escalations forward when an alert did not reach someone."""

    async def run_step(self, chain_id: int, step: int) -> str:
        """Run one step if it is still due and unanswered; say what happened."""
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

    async def escalate_now(self, incident_id: str, team_id: str) -> bool:
        """Make a team's next escalation step due now; False if it has nothing left to do."""
        now = self.clock()
        async with self.engine.begin() as conn:
            due = await chains.pull_team_forward(conn, incident_id, team_id, now)
            if due:
                await add_event(conn, incident_id, now, "cmsbot", "escalating now", "system",
                                "an alert did not reach its person", team_id)
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
        if row is None or row.kind not in ("alert", "escalation") or row.channel != "sms":
            return False
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
        if chain.team_id:
            state = (await conn.execute(select(incident_teams.c.acked_at, incident_teams.c.closed_at)
                                        .where(incident_teams.c.incident_id == chain.incident_id,
                                               incident_teams.c.team_id == chain.team_id))).first()
            if state is not None and state.closed_at is not None:
                return "team closed"
            if chain.kind == "alert" and state is not None and state.acked_at is not None:
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
        team_name = team.name if team else "coordinators"
        action = chain.steps[chain.next_step].action
        responders = [p.phone for p in await team_pages(conn, chain.incident_id, chain.team_id)
                      if p.acked_at or p.on_scene_at] if chain.team_id else []
        people = step_recipients(action, team, self.sites, now, responders)
        if chain.kind == "checkout":
            people = [p for p in people if p.phone != chain.subject]
        numbers = await add_pages(conn, chain.incident_id, people, now)
        scope = f"{chain.incident_id}:chain:{chain.id}:{chain.next_step}"
        kind = {"alert": "escalation", "followup": "checkin" if action == "checkin"
                else "followup-escalation", "checkout": "checkout"}[chain.kind]
        messages = [Outbound(
            key=delivery_key(scope, kind, "sms", person.phone), incident_id=chain.incident_id,
            kind=kind, channel="sms", recipient=person.phone, recipient_name=person.name,
            team_id=person.team_id,
            body=self._text(chain, subject, numbers[person.phone], team_name, now))
            for person in people]
        if action == "coordinators" and self.sites.coordinators_channel:
            messages.append(self._coordinators_post(chain, subject, scope, kind, team, now))
        await add_event(conn, chain.incident_id, now, "cmsbot", _event(chain.kind, action),
                        "sms", _told(people), chain.team_id or None)
        return await insert_messages(conn, messages, now)

    def _text(self, chain: Chain, subject: Incident, number: int, team_name: str,
              now: datetime) -> str:
        tz = self.sites.tz
        if chain.kind == "alert":
            return escalation_sms(subject, number, now - chain.started_at, team_name, tz)
        if chain.kind == "checkout":
            who = next((m.name for t in self.sites.teams for m in t.members
                        if m.phone == chain.subject), "a team member")
            return checkout_overdue_sms(subject, number, who, chain.started_at, tz)
        label = chain.subject  # "24h": when the follow-up is, after the shooting
        if chain.steps[chain.next_step].action == "checkin":
            return checkin_sms(subject, number, label, tz)
        return followup_overdue_sms(subject, number, label, team_name)

    def _coordinators_post(self, chain: Chain, subject: Incident, scope: str, kind: str,
                           team: Team | None, now: datetime) -> Outbound:
        waited = int((now - chain.started_at).total_seconds() // 60)
        warning = f"Escalated to the coordinators: no answer after {waited} min"
        teams = (TeamState(team.id, team.name, "not answered"),) if team else ()
        post = incident_post(PostState(subject, teams=teams, warning=warning), self.sites.tz,
                             team.id if team else None)
        channel = self.sites.coordinators_channel or ""
        return Outbound(key=delivery_key(scope, kind, "slack", channel),
                        incident_id=chain.incident_id, kind=kind, channel="slack",
                        recipient=channel, body=post.text, blocks=post.blocks)

    def _team(self, team_id: str) -> Team | None:
        return self.sites.find_team(team_id or None)


def _event(kind: str, action: str) -> str:
    if kind == "followup":
        return "follow-up sent" if action == "checkin" else "follow-up escalated"
    if kind == "checkout":
        return "check-out overdue"
    return f"escalated to {action}"


def _told(people: list[Recipient]) -> str:
    return "told " + (", ".join(f"{p.name} ({p.role})" for p in people) or "nobody reachable")
