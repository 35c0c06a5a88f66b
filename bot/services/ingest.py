"""The ingest path shared by the HTTP API and `cmsbot replay`: route, store once, hand off.

Ingest owns its transaction: routing and the messages are decided here, and the store is called
step by step inside one transaction, so an incident is stored with all its teams, pages,
deliveries, links and chains, or not at all. The sends are handed to rq only after it commits.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.changes import changed_fields, reposted
from alerts.duplicates import POSSIBLE, Duplicate, find_duplicate, possible_detail, without
from alerts.freshness import NOW, Paging
from alerts.incident import Incident
from alerts.linking import RADIUS_M, WINDOW, find_links
from alerts.outbound import alert_messages
from alerts.rest import lookback, resting
from alerts.routing import Plan, route
from alerts.sites import Sites
from alerts.states import IncidentStatus
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.services.broadcasts import Broadcaster
from bot.services.duplicate_reports import hold_report
from bot.services.incident_updates import Applied, apply_update, paging_chains
from bot.store import chains, duplicates, feeds, incident_changes, incidents
from bot.store.pages import add_pages, insert_messages
from bot.store.rest import fatal_responses
from bot.store.timeline import add_event

# A unique index refusing a short number two ingests picked at once is safe to retry: nothing
# was committed. The number locks make it rare; three attempts make it harmless.
ATTEMPTS = 3


@dataclass(frozen=True)
class IngestOutcome:
    """What the ingest API answers."""

    incident_id: str
    status: str  # an IncidentStatus, or "dry-run" from `cmsbot replay`
    teams: tuple[str, ...]
    deliveries: int
    duplicate: bool
    # Whether this post paged anyone; when not, why: "stale" (it occurred too long before it
    # arrived) or "duplicate" (already known: it paged, if at all, the first time).
    paged: bool = True
    reason: str | None = None
    # A re-post that said something new: the fields it changed (alerts.changes.FIELDS).
    changed: tuple[str, ...] = ()
    # Another source's open incident this report may repeat (alerts.duplicates): held.
    duplicate_of: str | None = None

    def to_json(self) -> dict[str, object]:
        """The 202 body of `POST /api/incidents`."""
        body: dict[str, object] = {
            "id": self.incident_id, "status": self.status, "teams": list(self.teams),
            "deliveries": self.deliveries, "duplicate": self.duplicate, "paged": self.paged}
        if self.reason is not None:
            body["reason"] = self.reason
        if self.changed:
            body["changed"] = list(self.changed)
        if self.duplicate_of is not None:
            body["possible_duplicate_of"] = self.duplicate_of
        return body


@dataclass(frozen=True)
class Ingest(UseCase):
    """Accepts validated incidents."""

    # Automatic area notices to residents; None (replays of history) sends none.
    broadcaster: Broadcaster | None = None
    # Threads of its own for the hand-off to rq (None: the event loop's default pool).
    executor: Executor | None = None

    async def accept(self, incident: Incident, paging: Paging = NOW) -> IngestOutcome:
        """Route and store the incident (once per id), hand off its sends and chain steps;
        one that `paging` says pages nobody is stored and routed, and nothing is sent for it."""
        outcome, work = await self.record(incident, paging)
        await hand_off(self.redis, work, self.clock(), self.executor)
        # An update's notice (if any) was drafted at first ingest, from the first report.
        if self.broadcaster is not None and outcome.paged and not outcome.changed:
            await self.broadcaster.notice_after(incident, outcome.teams)
        return outcome

    async def record(self, incident: Incident,
                     paging: Paging = NOW) -> tuple[IngestOutcome, Work]:
        """Route and store the incident in one transaction; the work it leaves for rq."""
        now = self.clock()
        # Once: a roster change landing meanwhile is this alert's next one, not half of it.
        sites = self.sites
        for attempt in range(ATTEMPTS):
            try:
                async with self.engine.begin() as conn:
                    plan = await self._route(conn, incident, sites, now)
                    recorded = await self._record(conn, incident, plan, paging, now, sites)
                    if incident.source is not None and incident.source in sites.sources:
                        # Contact from a watched feed (a duplicate too: the feed is alive).
                        # Last, so the row's lock is held only while the transaction commits.
                        await feeds.touch(conn, incident.source, now)
                    return recorded
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def rehearse(self, times: int = 1) -> None:
        """Take a made-up shooting down the whole ingest path `times` at once, each in a
        transaction that is rolled back: the pool's connections open, their statements
        prepared and compiled, before the first real one. Nothing is stored or sent."""
        await asyncio.gather(*(self._rehearse(n) for n in range(times)))

    async def _rehearse(self, n: int) -> None:
        now = self.clock()
        # By precinct, so it routes to a team (its pages and chains) whatever the catchments.
        sites = self.sites
        precinct = min(sites.precinct_teams, default=None)
        incident = Incident(f"cmsbot-rehearsal-{n}", now, None, None, precinct=precinct)
        async with self.engine.connect() as conn:
            transaction = await conn.begin()
            try:
                await self._record(conn, incident, await self._route(conn, incident, sites, now),
                                   NOW, now, sites)
            finally:
                await transaction.rollback()

    @staticmethod
    async def _route(conn: AsyncConnection, incident: Incident, sites: Sites,
                     now: datetime) -> Plan:
        """Route it, sparing those resting after a fatal response (read in this transaction)."""
        responses = await fatal_responses(conn, now - lookback(sites))
        return route(incident, sites, now, resting(responses, sites, now).keys())

    async def _record(self, conn: AsyncConnection, incident: Incident, plan: Plan,
                      paging: Paging, now: datetime, sites: Sites) -> tuple[IngestOutcome, Work]:
        """Store, route and link the incident, then page its people; one that `paging` says
        pages nobody gets no page, message or chain, and the timeline says why."""
        if not await incidents.insert(conn, incident, plan.unrouted, now):
            return await self._repost(conn, incident, paging, now)
        # The open shootings nearby, read in this transaction: one pooled connection per ingest.
        near = await incidents.open_near(conn, incident, WINDOW, RADIUS_M)
        # A held second report is never anyone's "first": its teams were not all paged for it.
        held = await duplicates.pending_among(conn, [other.id for other in near])
        duplicate = find_duplicate(incident, [other for other in near if other.id not in held])
        # The same shooting from another source is never its own retaliation.
        links = without(find_links(incident, near), duplicate)
        if duplicate is not None and paging.paged and sites.coordinators_channel:
            kept = await hold_report(conn, sites, incident, plan, duplicate, now)
            return IngestOutcome(incident.id, IncidentStatus.OPEN, kept.teams, kept.deliveries,
                                 False, paged=bool(kept.teams), reason=None if kept.teams
                                 else "possible duplicate",
                                 duplicate_of=duplicate.incident_id), kept.work
        teams = [team for team_id in plan.team_ids if (team := sites.find_team(team_id))]
        await incidents.add_routes(conn, incident.id, plan.routes,
                                   {team.id: team.escalation.required_acks for team in teams})
        if not paging.paged:
            await incidents.add_routing_events(conn, incident, replace(plan, recipients=()), now,
                                               not_paged=paging.timeline_detail())
            await self._own(conn, incident.id, duplicate, now)
            await incidents.add_links(conn, incident.id, links, now)
            return IngestOutcome(incident.id, IncidentStatus.OPEN, plan.team_ids, 0, False,
                                 paged=False, reason=paging.reason), Work()
        numbers = await add_pages(conn, incident.id, plan.recipients, now, fresh=True)
        messages = alert_messages(incident, plan, numbers, sites, links)
        keys = await insert_messages(conn, messages, now, fresh=True)
        await incidents.add_routing_events(conn, incident, plan, now)
        await self._own(conn, incident.id, duplicate, now)
        await incidents.add_links(conn, incident.id, links, now)
        due = await chains.create(conn, incident.id, paging_chains(teams, now, sites),
                                  fresh=True)
        outcome = IngestOutcome(incident.id, IncidentStatus.OPEN, plan.team_ids, len(messages),
                                False)
        return outcome, Work(sends=keys, steps=due, urgent=True)


    @staticmethod
    async def _own(conn: AsyncConnection, incident_id: str, duplicate: Duplicate | None,
                   now: datetime) -> None:
        """A possible duplicate nobody is asked about (no coordinators' channel, or stale) is a
        shooting of its own; the timeline still says what it may repeat."""
        if duplicate is not None:
            await add_event(conn, incident_id, now, "cmsbot", POSSIBLE, "system",
                            possible_detail(duplicate) + "; handled as its own")

    async def _repost(self, conn: AsyncConnection, incident: Incident, paging: Paging,
                      now: datetime) -> tuple[IngestOutcome, Work]:
        """The same id again: a duplicate when it says nothing new, else an update."""
        stored = await incident_changes.locked(conn, incident.id)
        applied = Applied()
        if stored is not None:
            new = reposted(stored.incident, incident)
            applied = await apply_update(conn, self.sites, stored, new, now,
                                         page_new=paging.paged)
        known = await incidents.summary(conn, incident.id)
        if not applied.changes:
            return IngestOutcome(incident.id, known.status, known.teams, known.deliveries,
                                 True, paged=False, reason="duplicate"), Work()
        return IngestOutcome(incident.id, known.status, known.teams, known.deliveries, False,
                             paged=bool(applied.work.sends), reason=None if applied.work.sends
                             else "update", changed=tuple(changed_fields(applied.changes))), \
            applied.work
