"""`/cms assign ID TEAM` and `/cms unassign ID TEAM`: a coordinator adds a team to an incident
(paged as if routed there, "assigned by" on the timeline and the post) or releases one (its
escalation and follow-ups stop, those paged are told; anyone on scene still checks out)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.outbound import Outbound, delivery_key
from alerts.routing import TeamRoute, plan_routes
from alerts.sites import Person, Team
from alerts.update_texts import unassigned_sms
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.services.incident_updates import ENDED, page_added
from bot.store import incident_changes
from bot.store.pages import all_pages, insert_messages
from bot.store.timeline import add_event


class AssignError(ValueError):
    """An assignment that cannot be made, in words for the coordinator."""


@dataclass(frozen=True)
class Assignments(UseCase):
    """Adds teams to incidents and releases them, by a coordinator's say."""

    async def assign(self, incident_id: str, team_id: str, by: Person) -> int:
        """Page `team_id` for the incident as if it had been routed there; how many texts."""
        now = self.clock()
        team = self._coordinator_and_team(by, team_id)
        async with self.engine.begin() as conn:
            stored = await self._open(conn, incident_id)
            routed = await incident_changes.routed_teams(conn, incident_id)
            if team.id in routed:
                state = "is already on it" if routed[team.id] else "was released from it"
                raise AssignError(f"{team.name} {state}")
            route = TeamRoute(team.id, f"assigned by {by.name}")
            plan = plan_routes(stored.incident, self.sites, now, [route])
            sends, steps = await page_added(conn, self.sites, stored.incident, plan, now)
            await add_event(conn, incident_id, now, by.name, "assigned", "slack", team.name,
                            team.id)
        await hand_off(self.redis, Work(sends=sends, steps=steps, refresh=[incident_id],
                                        urgent=True), now)
        return len(plan.recipients)

    async def unassign(self, incident_id: str, team_id: str, by: Person) -> int:
        """Release `team_id` from the incident; how many of its people were told."""
        now = self.clock()
        team = self._coordinator_and_team(by, team_id)
        async with self.engine.begin() as conn:
            await self._open(conn, incident_id)
            if not (await incident_changes.routed_teams(conn, incident_id)).get(team.id):
                raise AssignError(f"{team.name} is not working this incident")
            told = [p for p in await all_pages(conn, incident_id)
                    if p.open and p.team_id == team.id]
            await incident_changes.release_team(conn, incident_id, team.id, now,
                                                f"unassigned by {by.name}")
            await add_event(conn, incident_id, now, by.name, "unassigned", "slack", team.name,
                            team.id)
            keys = await insert_messages(conn, [Outbound(
                key=delivery_key(f"{incident_id}:unassigned:{team.id}", "released", "sms",
                                 page.phone), incident_id=incident_id, kind="released",
                channel="sms", recipient=page.phone, recipient_name=page.name,
                team_id=team.id, body=unassigned_sms(page.number, by.name))
                for page in told], now)
        await hand_off(self.redis, Work(sends=keys, refresh=[incident_id]), now)
        return len(told)

    def _coordinator_and_team(self, by: Person, team_id: str) -> Team:
        if not by.is_coordinator:
            raise AssignError("Only coordinators can assign and unassign teams")
        team = self.sites.find_team(team_id)
        if team is None:
            raise AssignError(f"no team {team_id[:40]!r}; teams: "
                              + ", ".join(t.id for t in self.sites.teams))
        return team

    async def _open(self, conn: AsyncConnection, incident_id: str) -> incident_changes.Stored:
        stored = await incident_changes.locked(conn, incident_id)
        if stored is None:
            raise AssignError(f"no incident {incident_id[:40]!r}")
        if stored.status in ENDED:
            raise AssignError(f"{incident_id} is {stored.status.value}")
        return stored
