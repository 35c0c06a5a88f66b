"""The local outbox: where messages go when Twilio or Slack are not configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.outbound import Outbound
from bot.store.dialect import insert_ignore
from bot.store.schema import outbox

UPDATE_PREFIX = "update-"  # the key of a new version of a Slack post (bot.notify.outbox)


@dataclass(frozen=True)
class OutboxEntry:
    """One message kept in the outbox."""

    id: int
    key: str
    channel: str
    sender: str
    recipient: str
    recipient_name: str | None
    team_id: str | None
    body: str
    created_at: datetime


class OutboxStore:
    """Append-only, one row per delivery key: storing the same key twice keeps the first."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def put(self, message: Outbound, now: datetime) -> OutboxEntry:
        """Keep a message (once per key) and return the stored entry."""
        async with self.engine.begin() as conn:
            await insert_ignore(conn, outbox, {
                "key": message.key, "channel": message.channel, "sender": message.sender,
                "recipient": message.recipient, "recipient_name": message.recipient_name,
                "team_id": message.team_id, "body": message.body,
                "blocks": list(message.blocks) or None, "created_at": now,
            })
            row = (await conn.execute(select(outbox).where(outbox.c.key == message.key))).one()
        return _entry(row._mapping)

    async def find(self, key: str) -> OutboxEntry | None:
        """The entry stored for a delivery key, if any."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(outbox).where(outbox.c.key == key))).first()
        return _entry(row._mapping) if row else None

    async def after(self, last_id: int, limit: int = 200) -> list[OutboxEntry]:
        """Entries newer than `last_id`, oldest first, for `cmsbot outbox --follow`."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(outbox).where(outbox.c.id > last_id)
                                      .order_by(outbox.c.id).limit(limit))
            return [_entry(row._mapping) for row in rows]


    async def recent(self, count: int) -> list[OutboxEntry]:
        """The newest `count` entries, oldest first."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(outbox).order_by(outbox.c.id.desc()).limit(count))
            return [_entry(row._mapping) for row in reversed(rows.all())]


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(row["id"], row["key"], row["channel"], row["sender"], row["recipient"],
                       row["recipient_name"], row["team_id"], row["body"], row["created_at"])
