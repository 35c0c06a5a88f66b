"""Read an incident's current state as its Slack post shows it, and find its posts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.linking import linked_id
from alerts.sites import Sites
from alerts.slack_blocks import Event, PostState, TeamState
from alerts.staff_texts import linked_line
from alerts.states import DuplicateDecision, IncidentStatus
from bot.store.pages import incident_from_row
from bot.store.schema import (
    deliveries,
    incident_links,
    incident_teams,
    incidents,
    possible_duplicates,
    timeline,
)

# Timeline entries that are about routing mechanics, not about what people did.
_QUIET = ("received", "routed", "paged")


@dataclass(frozen=True)
class LivePost:
    """A sent alert post: where it is, and the team it speaks for."""

    channel: str
    ts: str
    team_id: str | None


async def post_state(conn: AsyncConnection, incident_id: str, sites: Sites) -> PostState | None:
    """The incident as its post should show it now."""
    row = (await conn.execute(select(incidents).where(incidents.c.id == incident_id))).first()
    if row is None:
        return None
    names = {team.id: team.name for team in sites.teams}
    teams = tuple(
        TeamState(t.team_id, names.get(t.team_id, t.team_id), t.reason, t.acked_at, t.closed_at,
                  t.outcome)
        for t in await conn.execute(select(incident_teams).where(
            incident_teams.c.incident_id == incident_id).order_by(incident_teams.c.team_id)))
    events = tuple(
        Event(e.at, e.actor, e.action, e.detail)
        for e in await conn.execute(select(timeline).where(
            timeline.c.incident_id == incident_id, timeline.c.action.not_in(_QUIET))
            .order_by(timeline.c.at, timeline.c.id)))
    link = (await conn.execute(select(incident_links).where(or_(
        incident_links.c.incident_id == incident_id, incident_links.c.linked_id == incident_id))
        .order_by(incident_links.c.distance_m).limit(1))).first()
    warning = linked_line(link.hours, link.distance_m) if link else ""
    held = (await conn.execute(select(possible_duplicates).where(
        possible_duplicates.c.incident_id == incident_id))).first()
    return PostState(incident_from_row(row._mapping), IncidentStatus(row.status), teams, events, warning,
                     row.outcome, await _linked_teams(conn, events),
                     duplicate_of=held.duplicate_of if held else None,
                     pending=held is not None and held.decision == DuplicateDecision.PENDING)


async def _linked_teams(conn: AsyncConnection,
                        events: tuple[Event, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The teams of each incident the events link to (a team's post names only its own)."""
    others = sorted({other for e in events if (other := linked_id(e.action, e.detail))})
    if not others:
        return ()
    routed: dict[str, list[str]] = {other: [] for other in others}
    for row in await conn.execute(select(incident_teams.c.incident_id, incident_teams.c.team_id)
                                  .where(incident_teams.c.incident_id.in_(others))):
        routed[row.incident_id].append(row.team_id)
    return tuple((other, tuple(teams)) for other, teams in routed.items())


async def live_posts(conn: AsyncConnection, incident_id: str) -> list[LivePost]:
    """The incident's alert posts that Slack has (their ts), to update in place."""
    rows = await conn.execute(select(deliveries.c.recipient, deliveries.c.provider_id,
                                     deliveries.c.team_id).where(
        deliveries.c.incident_id == incident_id, deliveries.c.kind == "alert",
        deliveries.c.channel == "slack", deliveries.c.provider_id.is_not(None)))
    return [LivePost(r.recipient, r.provider_id, r.team_id) for r in rows]
