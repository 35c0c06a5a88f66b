"""The incident timeline: who did what, when, through which channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import timeline

_ADD = timeline.insert()  # built once: most staff replies write an entry


async def add_event(conn: AsyncConnection, incident_id: str, at: datetime, actor: str,
                    action: str, channel: str, detail: str = "", team_id: str | None = None) -> None:
    """Write one entry."""
    await conn.execute(_ADD, {"incident_id": incident_id, "at": at, "actor": actor,
                              "action": action, "channel": channel, "detail": detail,
                              "team_id": team_id})


async def answered_since(conn: AsyncConnection, incident_id: str, team_id: str | None,
                         since: datetime) -> bool:
    """Whether the team wrote an update (note, on scene, close) since `since`: a follow-up's answer."""
    statement = select(timeline.c.id).where(
        timeline.c.incident_id == incident_id, timeline.c.at >= since,
        timeline.c.action.in_(("note", "on scene", "closed", "acknowledged")))
    if team_id:
        statement = statement.where(timeline.c.team_id == team_id)
    return await conn.scalar(statement.limit(1)) is not None
