"""Updates of a known incident (a PATCH, or a re-post of its id that says something new).

In the caller's transaction, on the locked row: the changes are stored and put on the timeline
by the source; those already paged are texted once what changed (the delivery keys come from
a hash of the change, so the same update again tells nobody twice); a corrected place is routed
again, newly covering teams paged as for a new incident and teams no longer covering told and
released; a newly known hospital pages its hospital responders. A closed or cancelled incident
only records the change. Resident notices are left as they were drafted: an update never adds
a victim detail to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import ChainPlan, Due, alert_chain, followup_chains, repage_chain
from alerts.changes import Change, change_detail, change_digest, diff, moved, patched
from alerts.incident import Incident
from alerts.linking import Link
from alerts.outbound import Outbound, alert_messages, delivery_key
from alerts.routing import Plan, plan_routes, route
from alerts.sites import Sites, Team
from alerts.states import IncidentStatus
from alerts.update_texts import released_sms, update_sms
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store import chains, incident_changes, incidents
from bot.store.pages import Page, add_pages, all_pages, insert_messages
from bot.store.timeline import add_event

ENDED = (IncidentStatus.CLOSED, IncidentStatus.CANCELLED, IncidentStatus.MERGED)


@dataclass
class Applied:
    """What an update did: the changes, and the work to hand to rq after commit."""

    changes: tuple[Change, ...] = ()
    work: Work = field(default_factory=Work)


class NoSuchIncident(LookupError):
    """The id names no stored incident."""


@dataclass(frozen=True)
class Updater(UseCase):
    """PATCH /api/incidents/{id}."""

    executor: Executor | None = None

    async def patch(self, incident_id: str, payload: object) -> tuple[Change, ...]:
        """Apply a PATCH body (IncidentError for a bad field, NoSuchIncident for an unknown id)
        and hand off what it tells; the changes made (none: it changed nothing)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            stored = await incident_changes.locked(conn, incident_id)
            if stored is None:
                raise NoSuchIncident(incident_id)
            new = patched(stored.incident, payload)
            applied = await apply_update(conn, self.sites, stored, new, now)
        await hand_off(self.redis, applied.work, now, self.executor)
        return applied.changes


async def apply_update(conn: AsyncConnection, sites: Sites, stored: incident_changes.Stored,
                       new: Incident, now: datetime, *, page_new: bool = True) -> Applied:
    """Store `new` over the locked `stored` incident and decide who hears of it.

    `page_new`: newly covering teams are paged (not for a post that pages nobody: stale).
    """
    changes = diff(stored.incident, new)
    if not changes:
        return Applied()
    incident_id = new.id
    await add_event(conn, incident_id, now, new.source or stored.incident.source or "feed",
                    "updated", "api", change_detail(changes))
    if stored.status in ENDED:
        await incident_changes.write_changes(conn, incident_id, list(changes))
        return Applied(changes, Work(refresh=[incident_id]))
    plan = route(new, sites, now)
    teams = await incident_changes.routed_teams(conn, incident_id)
    released = [t for t, open_ in teams.items() if open_ and t not in plan.team_ids] \
        if moved(changes) else []
    # Anyone routed before, even closed, is not paged again; coordinators are, when a
    # corrected place leaves every catchment.
    added = [r for r in plan.routes if r.team_id not in teams]
    to_coordinators = plan.unrouted and not stored.unrouted and moved(changes)
    await incident_changes.write_changes(conn, incident_id, list(changes),
                                         plan.unrouted if moved(changes) else None)
    paged = [p for p in await all_pages(conn, incident_id) if p.open and p.phone.startswith("+")]
    digest = change_digest(changes)
    told = [p for p in paged if p.team_id not in released]
    messages = _updates(new, changes, told, digest)
    messages += [_released(incident_id, p, digest) for p in paged if p.team_id in released]
    for team_id in released:
        await incident_changes.release_team(conn, incident_id, team_id, now)
        await add_event(conn, incident_id, now, "cmsbot", "released", "system",
                        "corrected location is outside its area", team_id)
    work = Work(sends=await insert_messages(conn, messages, now), refresh=[incident_id],
                urgent=True)
    if page_new and (added or to_coordinators):
        sends, steps = await page_added(conn, sites, new, plan_routes(new, sites, now, added), now)
        work.sends += sends
        work.steps += steps
    return Applied(changes, work)


async def page_added(conn: AsyncConnection, sites: Sites, incident: Incident, plan: Plan,
                     now: datetime, why: str = "after update",
                     links: Sequence[Link] = ()) -> tuple[list[str], list[Due]]:
    """Page the teams an update (or an assignment, a decision on a second report) adds as for a
    new incident: alerts (warning of `links`), posts, their chains."""
    teams = [team for team_id in plan.team_ids if (team := sites.find_team(team_id))]
    await incidents.add_routes(conn, incident.id, plan.routes,
                               {team.id: team.escalation.required_acks for team in teams})
    numbers = await add_pages(conn, incident.id, plan.recipients, now)
    keys = await insert_messages(conn, alert_messages(incident, plan, numbers, sites, links), now)
    detail = "; ".join(f"{r.team_id}: {r.reason}" for r in plan.routes) \
        or "no team catchment holds it; sent to the coordinators"
    await add_event(conn, incident.id, now, "cmsbot", "routed", "system", f"{why}: {detail}")
    await add_event(conn, incident.id, now, "cmsbot", "paged", "sms", ", ".join(
        f"{r.name} ({r.team_id or r.role})" for r in plan.recipients) or "nobody: no phone")
    due = await chains.create(conn, incident.id, paging_chains(teams, now, sites))
    return keys, due


def _updates(incident: Incident, changes: Sequence[Change], told: Sequence[Page],
             digest: str) -> list[Outbound]:
    messages = []
    for page in told:
        body = update_sms(page.number, incident, changes)
        if body is None:
            return []  # nothing staff act on changed: the timeline and the post say it
        messages.append(Outbound(
            key=delivery_key(f"{incident.id}:update:{digest}", "update", "sms", page.phone),
            incident_id=incident.id, kind="update", channel="sms", recipient=page.phone,
            body=body, recipient_name=page.name, team_id=page.team_id))
    return messages


def _released(incident_id: str, page: Page, digest: str) -> Outbound:
    return Outbound(
        key=delivery_key(f"{incident_id}:released:{digest}", "released", "sms", page.phone),
        incident_id=incident_id, kind="released", channel="sms", recipient=page.phone,
        body=released_sms(page.number), recipient_name=page.name, team_id=page.team_id)


def paging_chains(teams: Sequence[Team], now: datetime, sites: Sites) -> list[ChainPlan]:
    """Each team's escalation chain and repage call (any hour), and its follow-ups (in
    routine hours): what paging a team starts."""
    return [plan for team in teams
            for plan in (alert_chain(team, now, sites), repage_chain(team, now),
                         *followup_chains(team, now, sites.tz)) if plan is not None]
