"""The sites as routing sees them now: the sites file's places with the database's roster.

Each process keeps one `LiveSites`. It follows the roster's revision (a cheap read, a few
times a second) and, when it moved, reads the whole roster and swaps in a new `Sites` at once;
a use case that takes `sites` once for an alert routes it with one whole roster, old or new.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.roster import roster_changes, roster_of, staffed
from alerts.sites import Sites
from alerts.sites_parse import SitesError
from bot.config.clock import utcnow
from bot.store import roster as store
from bot.store.engine import reading

log = logging.getLogger(__name__)
RECENTLY_ENDED = timedelta(hours=1)
FOLLOW_EVERY = 0.2  # seconds: a change reaches routing in every process well within a second
STOP_WITHIN = 10.0  # seconds: a read in flight at shutdown finishes first


class LiveSites:
    """The current sites; `base` is the sites file as loaded (its people seed the roster)."""

    def __init__(self, base: Sites, clock: Callable[[], datetime] = utcnow) -> None:
        self.base = base
        self.clock = clock
        self._sites = base
        self._revision: int | None = None

    @property
    def sites(self) -> Sites:
        """The sites with the roster as last read: take it once per piece of work."""
        return self._sites

    @property
    def revision(self) -> int | None:
        """The roster revision in use; None while the sites file's own people are."""
        return self._revision

    async def load(self, engine: AsyncEngine, now: datetime) -> None:
        """Seed the roster from the sites file if it never was, then read it."""
        async with engine.begin() as conn:
            seeded = await store.seed(conn, roster_of(self.base), now)
        if seeded:
            log.info("roster seeded from the sites file")
        await self.refresh(engine)
        if not seeded and self._revision is not None:
            drift = roster_changes(roster_of(self.base), roster_of(self._sites))
            if drift:
                # The database's roster is the one in force; the file only seeded it.
                log.warning("the roster in the database differs from the sites file's in %d "
                            "place(s); the database's is used (cmsbot roster import FILE "
                            "shows the differences)", len(drift))

    async def refresh(self, engine: AsyncEngine) -> bool:
        """Reread the roster if its revision moved; True when the sites changed."""
        async with reading(engine) as conn:
            current = await store.revision(conn)
            if current is None or current == self._revision:
                return False
            stored = await store.read_roster(conn, [team.id for team in self.base.teams])
            # Those ended lately too: a cover's end is someone's return on call, told by the
            # handoff check (bot.services.handoffs); routing asks each for its times.
            overrides = await store.read_overrides(conn, self.clock() - RECENTLY_ENDED)
        if stored is None:
            return False
        self._sites = replace(staffed(self.base, stored.roster), overrides=tuple(overrides))
        self._revision = stored.revision
        log.info("roster revision %d in use", stored.revision)  # operators see a change land
        return True

    async def follow(self, engine: AsyncEngine, stop: asyncio.Event,
                     every: float = FOLLOW_EVERY) -> None:
        """Refresh until `stop` is set; a database away or a bad row keeps the roster last
        read. It ends between reads, never in one (a read cut off in its driver's thread
        would answer a closed loop)."""
        while not stop.is_set():
            wait = every
            try:
                await self.refresh(engine)
            except (OSError, SQLAlchemyError, SitesError) as exc:
                log.warning("roster not reread (%s); keeping revision %s",
                            type(exc).__name__, self._revision)
                wait = every * 10
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)


@contextlib.asynccontextmanager
async def following(live: LiveSites, engine: AsyncEngine) -> AsyncIterator[None]:
    """Follow the roster while the block runs (a web process, a worker's job loop)."""
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(live.follow(engine, stop), name="roster")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, STOP_WITHIN)
        except TimeoutError:
            log.warning("the roster follower did not stop within %g s", STOP_WITHIN)


def live(sites: Sites | LiveSites, clock: Callable[[], datetime] = utcnow) -> LiveSites:
    """`sites` as a LiveSites: fixed ones (a test's, a command's) never change."""
    return sites if isinstance(sites, LiveSites) else LiveSites(sites, clock)
