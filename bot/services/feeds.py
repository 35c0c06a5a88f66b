"""Feed heartbeats: who has heard from each incident source, and paging when one goes quiet.

Contact is recorded by ingest (in the incident's own transaction) and by `POST
/api/heartbeat/{source}`. The worker's periodic check (workers.periodic) pages the coordinators
once when a source goes silent past its window and once when it is heard from again: the
outage is marked in the same transaction that stores the messages, with keys per source and
outage, so two checks at once or a check run twice send nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import step_recipients
from alerts.feeds import FeedSource, FeedState, back_text, change, overdue, silent_text
from alerts.outbound import Outbound, delivery_key
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store import feeds
from bot.store.pages import insert_messages


@dataclass(frozen=True)
class SourceStatus:
    """One source as `/cms sources`, the dashboard and /metrics show it."""

    source: FeedSource
    state: FeedState
    overdue: bool

    def to_json(self) -> dict[str, object]:
        """The dashboard's view of it."""
        return {"source": self.source.name,
                "expect_within_s": self.source.expect_within.total_seconds(),
                "last_seen_at": self.state.last_seen_at, "overdue": self.overdue}


@dataclass(frozen=True)
class FeedWatch(UseCase):
    """Records contact from sources and pages the coordinators about silent ones."""

    async def heartbeat(self, source: str) -> bool:
        """Record contact from a listed source; False if the sites file does not list it."""
        if source not in self.sites.sources:
            return False
        async with self.engine.begin() as conn:
            await feeds.touch(conn, source, self.clock())
        return True

    async def check(self) -> int:
        """Page about every source that went silent or came back; how many messages."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await feeds.list_sources(conn, self.sites.sources, now)
            known = await feeds.states(conn)
            keys: list[str] = []
            for source in self.sites.sources.values():
                keys += await self._tell(conn, source, known[source.name], now)
        await hand_off(self.redis, Work(sends=keys, urgent=True), now)
        return len(keys)

    async def status(self) -> list[SourceStatus]:
        """Each listed source's last contact and whether it is overdue, by name."""
        now = self.clock()
        async with self.engine.connect() as conn:
            known = await feeds.states(conn)
        shown = []
        for name, source in sorted(self.sites.sources.items()):
            # A source no check has seen yet counts from now: it has had no chance.
            state = known.get(name, FeedState(now))
            shown.append(SourceStatus(source, state, overdue(source, state, now)))
        return shown

    async def _tell(self, conn: AsyncConnection, source: FeedSource, state: FeedState,
                    now: datetime) -> list[str]:
        news = change(source, state, now)
        if news == "silent":
            if not await feeds.start_outage(conn, source.name, state.counted_from):
                return []
            return await self._page(conn, "feed-silent", source, state.counted_from,
                                    silent_text(source, state, self.sites.tz), now)
        if news == "back":
            assert state.silent_from is not None
            if not await feeds.end_outage(conn, source.name, state.silent_from):
                return []
            return await self._page(conn, "feed-back", source, state.silent_from,
                                    back_text(source, state, self.sites.tz), now)
        return []

    async def _page(self, conn: AsyncConnection, kind: str, source: FeedSource,
                    outage: datetime, body: str, now: datetime) -> list[str]:
        """An SMS to each coordinator with a phone and a post in the coordinators' channel,
        keyed by source and outage start: each goes once per outage."""
        scope = f"feed:{source.name}:{outage.isoformat()}"
        people = [p for p in step_recipients("coordinators", None, self.sites, now)
                  if p.phone.startswith("+")]
        messages = [Outbound(key=delivery_key(scope, kind, "sms", p.phone), incident_id=None,
                             kind=kind, channel="sms", recipient=p.phone, recipient_name=p.name,
                             body=body) for p in people]
        channel = self.sites.coordinators_channel
        if channel:
            messages.append(Outbound(key=delivery_key(scope, kind, "slack", channel),
                                     incident_id=None, kind=kind, channel="slack",
                                     recipient=channel, body=body))
        return await insert_messages(conn, messages, now)
