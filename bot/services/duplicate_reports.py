"""A second report of an open incident's shooting, at ingest: held, not paged twice.

In ingest's transaction: the report is stored open and held as a possible duplicate; the teams
already routed to the first are not paged for it (their post of the first is redrawn, their
open pages on it get one "second report" SMS); teams the report covers that the first did not
are paged at once, as for any new incident but with no retaliation warning, so a report is never
silenced for a team that nobody paged. The coordinators' channel gets its post with Merge and
Keep separate (bot.services.duplicate_decisions).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.duplicates import POSSIBLE, SECOND_REPORT, Duplicate, possible_detail, second_report_detail
from alerts.incident import Incident
from alerts.outbound import Outbound, alert_messages, delivery_key
from alerts.routing import Plan, plan_routes
from alerts.sites import Sites
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.update_texts import second_report_sms
from bot.queue.handoff import Work
from bot.services.incident_updates import paging_chains
from bot.store import chains, duplicates, incident_changes, incidents
from bot.store.pages import add_pages, all_pages, insert_messages
from bot.store.timeline import add_event


@dataclass(frozen=True)
class Held:
    """What holding a second report did: the teams paged for it now, and the work for rq."""

    teams: tuple[str, ...]
    deliveries: int
    work: Work


async def hold_report(conn: AsyncConnection, sites: Sites, incident: Incident, plan: Plan,
                      duplicate: Duplicate, now: datetime) -> Held:
    """Hold the just-stored report: page only the teams the first did not have, tell the
    first's people, and ask the coordinators."""
    first = duplicate.incident_id
    routed_first = await incident_changes.routed_teams(conn, first)
    fresh = [r for r in plan.routes if r.team_id not in routed_first]
    held_back = [r.team_id for r in plan.routes if r.team_id in routed_first]
    await duplicates.hold(conn, incident.id, duplicate)
    # plan_routes of no routes pages the coordinators: here they get the post instead.
    own = plan_routes(incident, sites, now, fresh) if fresh else Plan(incident.id, (), (), ())
    teams = [team for team_id in own.team_ids if (team := sites.find_team(team_id))]
    await incidents.add_routes(conn, incident.id, own.routes,
                               {team.id: team.escalation.required_acks for team in teams})
    numbers = await add_pages(conn, incident.id, own.recipients, now, fresh=True)
    messages = alert_messages(incident, own, numbers, sites)
    messages.append(_coordinators_post(incident, own, sites, first))
    told = [p for p in await all_pages(conn, first) if p.open and p.phone.startswith("+")]
    messages += [Outbound(
        key=delivery_key(f"{first}:second-report:{incident.id}", "update", "sms", page.phone),
        incident_id=first, kind="update", channel="sms", recipient=page.phone,
        body=second_report_sms(page.number, incident.source or "another source"),
        recipient_name=page.name, team_id=page.team_id) for page in told]
    keys = await insert_messages(conn, messages, now, fresh=True)
    not_paged = None if own.recipients else \
        f"possible duplicate of {first}: {', '.join(held_back) or 'its teams'} paged for it already"
    await incidents.add_routing_events(conn, incident, replace(plan, recipients=own.recipients),
                                       now, not_paged=not_paged)
    await add_event(conn, incident.id, now, "cmsbot", POSSIBLE, "system",
                    possible_detail(duplicate))
    await add_event(conn, first, now, incident.source or "feed", SECOND_REPORT, "api",
                    second_report_detail(incident.source or "another source", incident.id))
    due = await chains.create(conn, incident.id, paging_chains(teams, now, sites), fresh=True)
    sent = sum(1 for m in messages if m.incident_id == incident.id)
    return Held(own.team_ids, sent, Work(sends=keys, steps=due, refresh=[first], urgent=True))


def _coordinators_post(incident: Incident, own: Plan, sites: Sites, first: str) -> Outbound:
    names = {team.id: team.name for team in sites.teams}
    teams = tuple(TeamState(r.team_id, names.get(r.team_id, r.team_id), r.reason)
                  for r in own.routes)
    message = incident_post(PostState(incident, teams=teams, duplicate_of=first, pending=True),
                            sites.tz, None)
    channel = sites.coordinators_channel or ""
    return Outbound(key=delivery_key(incident.id, "alert", "slack", channel),
                    incident_id=incident.id, kind="alert", channel="slack", recipient=channel,
                    body=message.text, blocks=message.blocks)
