"""The on-scene responses to fatal incidents that may still be resting someone (alerts.rest)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.rest import FatalResponse
from bot.store.schema import incidents, pages

OLDEST_SCENE = timedelta(days=7)


async def fatal_responses(conn: AsyncConnection, since: datetime) -> list[FatalResponse]:
    """Every page whose person said "on scene" at or after `since` to an incident that is fatal
    now (one reported fatal later counts: they were at a killing)."""
    rows = await conn.execute(
        select(pages.c.phone, pages.c.team_id, pages.c.on_scene_at)
        .join(incidents, incidents.c.id == pages.c.incident_id)
        .where(incidents.c.fatal, pages.c.on_scene_at >= since,
               # Bounded by the incidents' time index: nobody goes on scene at a shooting
               # more than a week old, and an alert must not scan every page ever made.
               incidents.c.occurred_at >= since - OLDEST_SCENE))
    return [FatalResponse(row.phone, row.team_id, row.on_scene_at) for row in rows]
