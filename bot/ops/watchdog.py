"""`cmsbot watchdog`: outside the queue, page the coordinators when workers or alerts stall.

Every CMSBOT_WATCHDOG_SECONDS it looks at Redis (live rq workers, by their heartbeat keys, as
/metrics counts them) and the database (staff alerts unsent past CMSBOT_WATCHDOG_UNSENT). When
the path fails it texts each coordinator with a phone and posts in the coordinators' channel
itself, through the same Twilio and Slack clients the workers use (or the local outbox), never
through rq; once per outage, and once more when it recovers. The outage is kept in the
database so a restarted watchdog does not page again; while the database is away it is kept
in memory. Nothing here lets a Redis or database outage end the process: those are what it
reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.outbound import Outbound, delivery_key
from alerts.phone import redact
from alerts.sites import Sites
from alerts.sites_parse import SitesError
from alerts.watchdog import STAFF_ALERT_KINDS, Sighting, down_text, lasting, problems, up_text
from bot.notify.base import DeliveryError, Notifier
from bot.queue.rq_internals import WORKERS_KEY
from bot.store import watchdog as store
from bot.store.watchdog import Outage

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds for each look at Redis or the database


class Roster(Protocol):
    """The sites with the database's roster (bot.services.live_sites.LiveSites)."""

    @property
    def sites(self) -> Sites:
        """The sites with the roster as last read."""
        ...

    @property
    def revision(self) -> int | None:
        """The roster revision in use (None: none read yet)."""
        ...

    async def load(self, engine: AsyncEngine, now: datetime) -> None:
        """Seed the roster if it never was, then read it."""
        ...

    async def refresh(self, engine: AsyncEngine) -> bool:
        """Reread the roster if it changed."""
        ...


@dataclass
class Watchdog:
    """One watchdog process's state: the outage it knows of and when each problem began."""

    engine: AsyncEngine
    connection: redis.Redis
    live: Roster  # the coordinators as the database's roster has them, once it answers
    notifiers: dict[str, Notifier]
    clock: Callable[[], datetime]
    threshold: timedelta
    memory: Outage | None = None  # the outage, also while the database cannot keep it
    first_seen: dict[str, datetime] = field(default_factory=dict)

    @property
    def sites(self) -> Sites:
        """The sites with the roster as last read."""
        return self.live.sites

    async def tick(self) -> None:
        """Look once; page when an outage starts (until told) and when it ends."""
        now = self.clock()
        await self._reread_roster(now)
        found = problems(await self.look(now), self.threshold)
        self.first_seen = {kind: self.first_seen.get(kind, now) for kind in found}
        counted = lasting(found, self.first_seen, now, self.threshold)
        outage = await self._known()
        if counted and outage is None:
            since = min(self.first_seen.values())
            outage = await self._keep(Outage(since, "; ".join(counted)))
            log.error("watchdog: alerts may not be going out: %s", outage.problems)
        if counted and outage is not None and not outage.announced:
            if await self._page("watchdog-down", outage,
                                down_text(counted, outage.since, self.sites.tz)):
                await self._announced(outage)
        elif not found and outage is not None:
            log.warning("watchdog: recovered; the outage began %s", outage.since.isoformat())
            if outage.announced:
                await self._page("watchdog-up", outage, up_text(outage.since, now, self.sites.tz))
            await self._clear()

    async def look(self, now: datetime) -> Sighting:
        """Live workers (None: Redis unreachable) and staff alerts waiting past the threshold
        (None: the database unreadable)."""
        try:
            workers: int | None = await asyncio.wait_for(
                asyncio.to_thread(_live_workers, self.connection), TIMEOUT)
        except (TimeoutError, redis.RedisError, OSError) as exc:
            log.warning("watchdog: Redis cannot be read (%s)", type(exc).__name__)
            workers = None
        try:
            async with asyncio.timeout(TIMEOUT), self.engine.connect() as conn:
                unsent: int | None = await store.unsent_before(conn, STAFF_ALERT_KINDS,
                                                               now - self.threshold)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("watchdog: the database cannot be read (%s)", type(exc).__name__)
            unsent = None
        return Sighting(workers, unsent)

    async def _reread_roster(self, now: datetime) -> None:
        # Whom to page is the roster's, not the sites file's: a coordinator added or with a
        # new phone since the watchdog started is paged too. Away, the roster last read holds.
        try:
            async with asyncio.timeout(TIMEOUT):
                if self.live.revision is None:
                    await self.live.load(self.engine, now)
                else:
                    await self.live.refresh(self.engine)
        except (TimeoutError, SQLAlchemyError, OSError, SitesError) as exc:
            log.warning("watchdog: the roster cannot be read (%s); using the one last read",
                        type(exc).__name__)

    async def _known(self) -> Outage | None:
        try:
            async with asyncio.timeout(TIMEOUT), self.engine.begin() as conn:
                kept = await store.current(conn)
                if kept is None and self.memory is not None:
                    await store.keep(conn, self.memory)  # begun while the database was away
                    kept = self.memory
        except (TimeoutError, SQLAlchemyError, OSError):
            return self.memory
        self.memory = kept
        return kept

    async def _keep(self, outage: Outage) -> Outage:
        self.memory = outage
        await self._store(lambda conn: store.keep(conn, outage))
        return outage

    async def _announced(self, outage: Outage) -> None:
        self.memory = replace(outage, announced=True)
        await self._store(store.announced)

    async def _clear(self) -> None:
        self.memory = None
        await self._store(store.clear)

    async def _store(self, write: Callable[[AsyncConnection], Awaitable[None]]) -> None:
        try:
            async with asyncio.timeout(TIMEOUT), self.engine.begin() as conn:
                await write(conn)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("watchdog: the outage is kept in memory only (%s)", type(exc).__name__)

    async def _page(self, kind: str, outage: Outage, body: str) -> bool:
        """Text each coordinator with a phone and post in their channel; True if any got out."""
        scope = f"watchdog:{outage.since.isoformat()}"
        messages = [Outbound(key=delivery_key(scope, kind, "sms", c.phone), incident_id=None,
                             kind=kind, channel="sms", recipient=c.phone, recipient_name=c.name,
                             body=body) for c in self.sites.coordinators if c.phone]
        if self.sites.coordinators_channel:
            channel = self.sites.coordinators_channel
            messages.append(Outbound(key=delivery_key(scope, kind, "slack", channel),
                                     incident_id=None, kind=kind, channel="slack",
                                     recipient=channel, body=body))
        sent = 0
        for message in messages:
            who = redact(message.recipient) if message.channel == "sms" else message.recipient
            try:
                await self.notifiers[message.channel].send(message)
            except (DeliveryError, SQLAlchemyError, OSError, TimeoutError) as exc:
                log.error("watchdog: could not tell %s (%s: %s)", who, type(exc).__name__, exc)
                continue
            sent += 1
            log.warning("watchdog: %s sent to %s", kind, who)
        return sent > 0


def _live_workers(connection: redis.Redis) -> int:
    # A killed worker stays in rq's set until cleaned up; its heartbeat key expires sooner.
    members = connection.smembers(WORKERS_KEY)
    return int(connection.exists(*members)) if members else 0
