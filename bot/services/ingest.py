"""The ingest path shared by the HTTP API and `cmsbot replay`: route, store once, enqueue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import redis

from alerts.chains import ChainPlan, Due, alert_chain, followup_chains
from alerts.incident import Incident
from alerts.linking import find_links
from alerts.outbound import alert_messages
from alerts.routing import route
from alerts.sites import Sites
from bot.queue.connection import enqueue_refresh, enqueue_sends, schedule_steps
from bot.services.broadcasts import Broadcaster
from bot.store.incidents import IncidentStore, IngestOutcome, Routed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ingest:
    """Accepts validated incidents."""

    sites: Sites
    incidents: IncidentStore
    redis: redis.Redis
    clock: Callable[[], datetime]
    # Automatic area notices to residents; None (replays of history) sends none.
    broadcaster: Broadcaster | None = None

    async def accept(self, incident: Incident) -> IngestOutcome:
        """Route and store the incident (once per id), enqueue its sends, schedule its chains."""
        now = self.clock()
        plan = route(incident, self.sites, now)
        teams = [self.sites.team(team_id) for team_id in plan.team_ids]
        chains: list[ChainPlan] = []
        for team in teams:
            chains += [alert_chain(team, now), *followup_chains(team, now)]
        required = {team.id: team.escalation.required_acks for team in teams}

        def linked(near: Sequence[Incident]) -> Routed:
            links = find_links(incident, near)
            return Routed(incident, plan, lambda numbers: alert_messages(
                incident, plan, numbers, self.sites, links), chains, links, required)

        # The store finds the open incidents nearby in the transaction that stores this one.
        routed = replace(linked(()), relink=linked)
        outcome = await self.incidents.record(routed, now)
        await hand_off(self.redis, outcome.keys, outcome.due, now)
        if self.broadcaster is not None and not outcome.duplicate:
            await self.broadcaster.notice_after(incident, outcome.teams)
        return outcome


async def hand_off(connection: redis.Redis, keys: Sequence[str], due: Sequence[Due],
                   now: datetime, refresh: Sequence[str] = ()) -> None:
    """Enqueue sends, schedule chain steps and redraw Slack posts of changed incidents.

    If Redis is away, reconcile will enqueue the sends and steps later (a missed redraw is
    made good by the next change).
    """
    if not keys and not due and not refresh:
        return
    try:
        await asyncio.to_thread(_hand_off, connection, list(keys), list(due), now, list(refresh))
    except redis.RedisError as exc:
        # The work is safe in the database; the worker's reconcile enqueues it.
        log.error("could not enqueue %d sends and %d steps (%s); reconcile will", len(keys),
                  len(due), exc)
    except Exception:
        # Committed already: failing the request now would only make the sender try again.
        log.exception("could not enqueue %d sends and %d steps; reconcile will", len(keys),
                      len(due))


def _hand_off(connection: redis.Redis, keys: list[str], due: list[Due], now: datetime,
              refresh: list[str]) -> None:
    enqueue_sends(connection, keys)
    schedule_steps(connection, due, now)
    enqueue_refresh(connection, refresh, now)
