"""The ingest path shared by the HTTP API and `cmsbot replay`: route, store once, enqueue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import redis

from alerts.incident import Incident
from alerts.outbound import alert_messages
from alerts.routing import route
from alerts.sites import Sites
from bot.queue import enqueue_sends
from bot.store.incidents import IncidentStore, IngestOutcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ingest:
    """Accepts validated incidents."""

    sites: Sites
    incidents: IncidentStore
    redis: redis.Redis
    clock: Callable[[], datetime]

    async def accept(self, incident: Incident) -> IngestOutcome:
        """Route and store the incident (once per id) and enqueue its deliveries."""
        now = self.clock()
        plan = route(incident, self.sites, now)
        outcome = await self.incidents.record(
            incident, plan, lambda numbers: alert_messages(incident, plan, numbers, self.sites), now)
        if outcome.keys:
            await self.enqueue(outcome.keys)
        return outcome

    async def enqueue(self, keys: Sequence[str]) -> None:
        """Hand the deliveries to the workers; if Redis is away, reconcile will do it later."""
        try:
            await asyncio.to_thread(enqueue_sends, self.redis, keys)
        except redis.RedisError as exc:
            # The deliveries are safe in the database; the worker's reconcile enqueues them.
            log.error("could not enqueue %d deliveries (%s); reconcile will", len(keys), exc)
