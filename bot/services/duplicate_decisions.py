"""Merge or Keep separate: a coordinator's decision on a held second report.

One transaction on the report's locked row, the decision a compare-and-set: pressing either
button twice, or both, does one thing. Merge ends the report (as a cancellation ends an
incident: chains stopped, pages closed), tells those paged for it, and pages for the first
incident any team the report alone covered, so that merging silences nobody. Keep separate
pages the teams that were held back for it as for a new incident, and links it (and warns of
it) like any other shooting nearby.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.linking import RADIUS_M, WINDOW, find_links
from alerts.outbound import Outbound, delivery_key
from alerts.routing import TeamRoute, plan_routes, route
from alerts.sites import Person
from alerts.states import DuplicateDecision
from alerts.update_texts import merged_sms
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.services.incident_updates import ENDED, page_added
from bot.store import duplicates, incident_changes, incidents
from bot.store.pages import all_pages, insert_messages
from bot.store.timeline import add_event

_DONE = {DuplicateDecision.MERGED: "merged", DuplicateDecision.SEPARATE: "kept separate"}


class DecisionError(ValueError):
    """A decision refused, in words for the coordinator."""


@dataclass(frozen=True)
class DuplicateDesk(UseCase):
    """The Merge and Keep separate buttons of a possible duplicate's post."""

    async def decide(self, incident_id: str, decision: DuplicateDecision, by: Person) -> str:
        """Merge the report into its first, or keep it separate; what was done, in words."""
        if not by.is_coordinator:
            raise DecisionError("Only coordinators can merge a second report or keep it separate")
        now = self.clock()
        work = Work(urgent=True)
        async with self.engine.begin() as conn:
            stored = await incident_changes.locked(conn, incident_id)
            held = await duplicates.held(conn, incident_id)
            if stored is None or held is None:
                raise DecisionError(f"{incident_id} is not a possible duplicate")
            if held.decision != DuplicateDecision.PENDING:
                raise DecisionError(f"{incident_id} was {_DONE[held.decision]} already, by "
                                    f"{held.decided_by}")
            if stored.status in ENDED:
                raise DecisionError(f"{incident_id} is {stored.status}")
            await duplicates.decide(conn, incident_id, decision, by.name, now)
            first = held.duplicate_of
            work.refresh += [incident_id, first]
            if decision == DuplicateDecision.MERGED:
                answer = await self._merge(conn, stored, first, by, work)
            else:
                answer = await self._keep(conn, stored, first, by, work)
        await hand_off(self.redis, work, now)
        return answer

    async def _merge(self, conn: AsyncConnection, stored: incident_changes.Stored, first: str,
                     by: Person, work: Work) -> str:
        now, report = self.clock(), stored.incident
        paged = [p for p in await all_pages(conn, report.id) if p.open and p.phone.startswith("+")]
        routed_first = await incident_changes.routed_teams(conn, first)
        alone = [t for t, open_ in (await incident_changes.routed_teams(conn, report.id)).items()
                 if open_ and t not in routed_first]
        await incident_changes.merge(conn, report.id, first, now)
        target = await incident_changes.locked(conn, first)
        if alone and target is not None and target.status not in ENDED:
            # The report's own teams work the shooting on the first incident from now on.
            plan = plan_routes(target.incident, self.sites, now,
                               [TeamRoute(t, f"merged from {report.id}") for t in alone])
            sends, steps = await page_added(conn, self.sites, target.incident, plan, now,
                                            why=f"merged from {report.id}")
            work.sends += sends
            work.steps += steps
        on_first = {p.phone: p.number for p in await all_pages(conn, first) if p.open}
        work.sends += await insert_messages(conn, [Outbound(
            key=delivery_key(f"{report.id}:merged", "cancelled", "sms", p.phone),
            incident_id=report.id, kind="cancelled", channel="sms", recipient=p.phone,
            body=merged_sms(p.number, on_first.get(p.phone)), recipient_name=p.name,
            team_id=p.team_id) for p in paged], now)
        await add_event(conn, report.id, now, by.name, "merged", "slack", f"into {first}")
        await add_event(conn, first, now, by.name, "merged", "slack",
                        f"{report.id} from {report.source or 'another source'}")
        return (f"Merged `{report.id}` into `{first}`: {len(paged)} "
                f"{'person' if len(paged) == 1 else 'people'} told.")

    async def _keep(self, conn: AsyncConnection, stored: incident_changes.Stored, first: str,
                    by: Person, work: Work) -> str:
        now, report = self.clock(), stored.incident
        plan = route(report, self.sites, now)
        routed = await incident_changes.routed_teams(conn, report.id)
        added = [r for r in plan.routes if r.team_id not in routed]
        links = find_links(report, await incidents.open_near(conn, report, WINDOW, RADIUS_M))
        paged = 0
        if added or plan.unrouted:  # unrouted: the coordinators, as for any such shooting
            own = plan_routes(report, self.sites, now, added, plan.declined)
            sends, steps = await page_added(conn, self.sites, report, own, now,
                                            why=f"kept separate by {by.name}", links=links)
            work.sends += sends
            work.steps += steps
            paged = len(own.recipients)
        await incidents.add_links(conn, report.id, links, now)
        work.refresh += [link.incident_id for link in links]
        await add_event(conn, report.id, now, by.name, "kept separate", "slack",
                        f"not a second report of {first}")
        await add_event(conn, first, now, by.name, "kept separate", "slack",
                        f"{report.id} is another shooting")
        return f"Kept `{report.id}` separate: {paged} paged, {len(links)} linked."
