"""The facts reports are made of, read in a few set queries (never one per incident)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.contacts import PHONE_CHANNELS
from alerts.night_callouts import CallOut
from alerts.reports import FollowUp, IncidentFacts, TakedownFacts
from alerts.states import IncidentStatus, StepStatus
from bot.store.schema import (
    chains,
    deliveries,
    incident_teams,
    incidents,
    pages,
    takedown_steps,
    takedowns,
)

# What pages a person for a shooting: its alert, the repage call and an escalation to them.
_CALLOUT_KINDS = ("alert", "repage", "escalation")


async def incident_facts(conn: AsyncConnection, start: datetime, end: datetime,
                         team: str | None = None) -> list[IncidentFacts]:
    """Every incident-team whose incident occurred in [start, end), takedown reminders included
    (the report leaves them out: that rule is the domain's)."""
    in_window = [incidents.c.occurred_at >= start, incidents.c.occurred_at < end]
    routed = await conn.execute(_for_team(
        select(incident_teams.c.incident_id, incident_teams.c.team_id, incidents.c.kind,
               incidents.c.occurred_at, incidents.c.received_at, incidents.c.status,
               # The team's own outcome; the incident's when it was closed as a whole.
               func.coalesce(incident_teams.c.outcome, incidents.c.outcome).label("outcome"))
        .join(incidents, incidents.c.id == incident_teams.c.incident_id).where(*in_window),
        incident_teams.c.team_id, team))
    firsts = {(row.incident_id, row.team_id): (row.acked_at, row.on_scene_at)
              for row in await conn.execute(_for_team(
                  select(pages.c.incident_id, pages.c.team_id,
                         func.min(pages.c.acked_at).label("acked_at"),
                         func.min(pages.c.on_scene_at).label("on_scene_at"))
                  .join(incidents, incidents.c.id == pages.c.incident_id)
                  .where(*in_window, pages.c.team_id.is_not(None))
                  .group_by(pages.c.incident_id, pages.c.team_id), pages.c.team_id, team))}
    followups: dict[tuple[str, str], list[FollowUp]] = {}
    for row in await conn.execute(_for_team(
            select(chains.c.incident_id, chains.c.team_id, chains.c.started_at,
                   chains.c.resolved_at)
            .join(incidents, incidents.c.id == chains.c.incident_id)
            .where(*in_window, chains.c.kind == "followup")
            .order_by(chains.c.started_at), chains.c.team_id, team)):
        followups.setdefault((row.incident_id, row.team_id), []).append(
            FollowUp(row.started_at, row.resolved_at))
    facts = []
    for row in routed:
        key = (row.incident_id, row.team_id)
        acked, on_scene = firsts.get(key, (None, None))
        facts.append(IncidentFacts(row.incident_id, row.team_id, row.kind, row.occurred_at,
                                   row.received_at, acked, on_scene, row.outcome,
                                   tuple(followups.get(key, ())),
                                   row.status in (IncidentStatus.CANCELLED,
                                                  IncidentStatus.MERGED)))
    return facts


async def takedown_facts(conn: AsyncConnection, since: date, until: date,
                         team: str | None = None) -> list[TakedownFacts]:
    """Every plan dated in [since, until), per team, with the team's steps sent and answered.

    A step is answered when its reminder was confirmed by enough of the team to stop its
    escalation, or closed by the team (a report closes it): what ends its escalation.
    """
    rows = await conn.execute(_for_team(
        select(takedowns.c.id, takedowns.c.date, takedowns.c.cancelled_at,
               takedown_steps.c.team_id, takedown_steps.c.status,
               incident_teams.c.acked_at, incident_teams.c.closed_at)
        .join(takedown_steps, takedown_steps.c.takedown_id == takedowns.c.id)
        .outerjoin(incident_teams, and_(incident_teams.c.incident_id == takedown_steps.c.subject_id,
                                        incident_teams.c.team_id == takedown_steps.c.team_id))
        .where(takedowns.c.date >= since, takedowns.c.date < until,
               takedown_steps.c.audience == "team"),
        takedown_steps.c.team_id, team))
    plans: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        plan = plans.setdefault((row.id, row.team_id), {
            "date": row.date, "cancelled": row.cancelled_at is not None, "sent": 0, "answered": 0})
        if row.status == StepStatus.SENT:
            plan["sent"] += 1
            plan["answered"] += row.acked_at is not None or row.closed_at is not None
    return [TakedownFacts(plan_id, team_id, p["date"], p["cancelled"], p["sent"], p["answered"])
            for (plan_id, team_id), p in sorted(plans.items())]


async def callout_facts(conn: AsyncConnection, start: datetime, end: datetime,
                        team: str | None = None) -> list[CallOut]:
    """Every page by text or call sent in [start, end) to a team's member for a shooting
    (coordinators, who page as no team, are left out)."""
    rows = await conn.execute(_for_team(
        select(deliveries.c.incident_id, deliveries.c.team_id, deliveries.c.recipient,
               deliveries.c.recipient_name, deliveries.c.sent_at)
        .join(incidents, incidents.c.id == deliveries.c.incident_id)
        .where(deliveries.c.sent_at >= start, deliveries.c.sent_at < end,
               deliveries.c.kind.in_(_CALLOUT_KINDS), deliveries.c.channel.in_(PHONE_CHANNELS),
               deliveries.c.team_id.is_not(None), incidents.c.kind == "shooting"),
        deliveries.c.team_id, team))
    return [CallOut(row.incident_id, row.team_id, row.recipient, row.recipient_name,
                    row.sent_at) for row in rows]


def _for_team(statement: Select[Any], column: Any, team: str | None) -> Select[Any]:
    return statement if team is None else statement.where(column == team)

