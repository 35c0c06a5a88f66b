"""Sending one takedown step to one team: a reminder the team answers like an alert.

The reminder becomes an incident of kind "takedown" (id `TD<plan>-<position>-<team>`), so the
short numbers, `12A`/`12N` replies, buttons, escalation, Slack post and timeline all work as they
do for a shooting. The step row is locked and checked first: a step is sent once, even with two
workers running, and a step that came due while no worker ran goes out late, marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import Due, reminder_chain
from alerts.incident import Incident
from alerts.outbound import Outbound, delivery_key
from alerts.playbooks import PlaybookStep, fill
from alerts.routing import team_recipients
from alerts.sites import Sites, Team
from alerts.slack_blocks import PostState, TeamState, escape, incident_post
from alerts.states import IncidentStatus, StepStatus
from alerts.takedown_plans import Plan, Step
from alerts.takedowns import reminder_text
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.services.broadcasts import insert_draft
from bot.services.takedowns import close_reminders
from bot.store import chains
from bot.store import takedowns as db
from bot.store.pages import add_pages, insert_messages
from bot.store.schema import incident_teams, incidents
from bot.store.timeline import add_event

LATE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class StepRunner(UseCase):
    """Runs takedown step jobs."""

    async def run(self, step_id: int) -> str:
        """Send the step if it is due and not sent; say what happened."""
        now = self.clock()
        async with self.engine.begin() as conn:
            step = await db.step(conn, step_id, for_update=True)
            if step is None or step.status != StepStatus.SCHEDULED:
                return "stale"
            if step.at > now:
                return "not due"  # moved later: its new job will run it
            plan = await db.plan(conn, step.takedown_id)
            team = self.sites.find_team(step.team_id)
            if plan is None or plan.cancelled_at is not None or team is None:
                await db.move_step(conn, step.id, StepStatus.CANCELLED)
                return "cancelled"
            late = now - step.at > LATE_AFTER
            if step.audience == "residents":
                keys = await self._ask_approval(conn, plan, step, team, now)
                await db.add_event(conn, plan.id, now, "cmsbot", "residents step awaits approval",
                                   f"day {_day(plan, step, self.sites)} for {team.name}")
                await db.move_step(conn, step.id, StepStatus.APPROVAL, sent_at=now, late=late)
                work, outcome = Work(sends=keys), "awaiting approval"
            else:
                work = await self._send_to_team(conn, plan, step, team, now, late)
                outcome = "sent late" if late else "sent"
        await hand_off(self.redis, work, now)  # after commit: a job must find its delivery
        return outcome

    async def _send_to_team(self, conn: AsyncConnection, plan: Plan, step: Step, team: Team,
                            now: datetime, late: bool) -> Work:
        subject, keys, due = await self._send(conn, plan, step, team, now, late)
        await db.move_step(conn, step.id, StepStatus.SENT, sent_at=now, late=late,
                           subject_id=subject)
        await db.add_event(conn, plan.id, now, "cmsbot", "step sent late" if late else
                           "step sent", f"day {_day(plan, step, self.sites)} to {team.name}")
        return Work(sends=keys, steps=due, refresh=[subject])

    async def _send(self, conn: AsyncConnection, plan: Plan, step: Step, team: Team,
                    now: datetime, late: bool) -> tuple[str, list[str], list[Due]]:
        # The team's earlier reminder of this plan is superseded: its numbers are freed.
        await close_reminders(conn, plan.id, now, "superseded", team.id)
        day = _day(plan, step, self.sites)
        subject_id = f"TD{plan.id}-{step.position}-{team.id}"
        title = f"Post-takedown day {day}: {plan.area_label}"
        await conn.execute(incidents.insert().values(
            id=subject_id, occurred_at=step.at, received_at=now, lat=None, lon=None,
            precinct=None, borough=None, fatal=False, victims=0, location=plan.area_label,
            hospital=None, source="takedown", verified=True, status=IncidentStatus.OPEN, unrouted=False,
            kind="takedown", title=title, takedown_id=plan.id))
        await conn.execute(incident_teams.insert().values(
            incident_id=subject_id, team_id=team.id, reason=f"takedown {plan.name}",
            required_acks=team.escalation.required_acks))
        people = team_recipients(team, self.sites, now)
        numbers = await add_pages(conn, subject_id, people, now)
        playbook_step = PlaybookStep(day, step.at.astimezone(self.sites.tz).time(), "team",
                                     step.text)
        messages = [Outbound(
            key=delivery_key(subject_id, "takedown", "sms", p.phone), incident_id=subject_id,
            kind="takedown", channel="sms", recipient=p.phone, recipient_name=p.name,
            team_id=p.team_id,
            body=reminder_text(playbook_step, plan.area_label, plan.date, plan.note,
                               numbers[p.phone], late)) for p in people]
        if team.slack_channel:
            reminder = Incident(id=subject_id, occurred_at=step.at, lat=None, lon=None,
                                location=plan.area_label, victims=0, source="takedown",
                                verified=True, kind="takedown", title=title)
            post = incident_post(PostState(reminder, teams=(TeamState(team.id, team.name,
                                                                      f"takedown {plan.name}"),),
                                           warning=_instructions(playbook_step, plan, late)),
                                 self.sites.tz, team.id)
            # Kind "alert": the live post of this reminder, redrawn when the team answers.
            messages.append(Outbound(
                key=delivery_key(subject_id, "alert", "slack", team.slack_channel),
                incident_id=subject_id, kind="alert", channel="slack", recipient=team.slack_channel,
                body=post.text, blocks=post.blocks, team_id=team.id))
        keys = await insert_messages(conn, messages, now)
        await add_event(conn, subject_id, now, "cmsbot", "reminder sent", "sms",
                        ("LATE: " if late else "") + "to " + ", ".join(p.name for p in people),
                        team.id)
        due = await chains.create(conn, subject_id, [reminder_chain(team, now, self.sites.tz)])
        return subject_id, keys, due

    async def _ask_approval(self, conn: AsyncConnection, plan: Plan, step: Step, team: Team,
                            now: datetime) -> list[str]:
        """A playbook's message to residents goes out only after a coordinator confirms it."""
        day = _day(plan, step, self.sites)
        playbook_step = PlaybookStep(day, step.at.astimezone(self.sites.tz).time(), "residents",
                                     step.text)
        text = fill(playbook_step, plan.area_label, plan.date, "")  # the note stays internal
        broadcast_id = await insert_draft(conn, self.sites, f"team:{team.id}", text, "cmsbot", now,
                                          kind="takedown", takedown_step_id=step.id)
        channel = self.sites.coordinators_channel
        if not channel:
            return []
        request = (f"Takedown {plan.name}, day {day}: the playbook has a message for residents "
                   f"of {team.name}'s area. Confirm to send it as B-{broadcast_id}:\n>{text}")
        blocks = ({"type": "section", "text": {"type": "mrkdwn", "text": escape(request)}},
                  {"type": "actions", "elements": [{
                      "type": "button", "action_id": "cms_broadcast_confirm", "style": "primary",
                      "text": {"type": "plain_text", "text": "Confirm"},
                      "value": f"B-{broadcast_id}"}]})
        return await insert_messages(conn, [Outbound(
            key=delivery_key(f"td-approval:{step.id}", "approval", "slack", channel),
            incident_id=None, kind="approval", channel="slack", recipient=channel,
            body=escape(request), blocks=blocks)], now)


def _day(plan: Plan, step: Step, sites: Sites) -> int:
    return (step.at.astimezone(sites.tz).date() - plan.date).days


def _instructions(step: PlaybookStep, plan: Plan, late: bool) -> str:
    return ("LATE: " if late else "") + fill(step, plan.area_label, plan.date, plan.note)
