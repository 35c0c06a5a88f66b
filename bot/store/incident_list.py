"""Finding incidents: a page of them, newest first, each read as `IncidentStore.view` reads one.

Keyset pagination on (occurred_at, id), both descending: the next page starts strictly after
the last row shown, which the (occurred_at, id) index serves. A page's teams, pages,
deliveries, timelines and links are read in one query each, whatever the page size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from alerts.incident_query import IncidentQuery
from alerts.page_cursor import Position
from bot.store.schema import deliveries, incident_links, incident_teams, incidents, pages, timeline


async def find_incidents(engine: AsyncEngine,
                         query: IncidentQuery) -> tuple[list[dict[str, Any]], Position | None]:
    """A page of incidents as views (see `IncidentStore.view`), and where the next page starts
    (None: this is the last page)."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_select(query).limit(query.limit + 1))).all()
        more, rows = len(rows) > query.limit, rows[:query.limit]
        views = await _views(conn, [dict(row._mapping) for row in rows])
    last = (rows[-1].occurred_at, rows[-1].id) if more and rows else None
    return views, last


def _select(query: IncidentQuery) -> Select[Any]:
    found = select(incidents).order_by(incidents.c.occurred_at.desc(), incidents.c.id.desc())
    column = incidents.c
    # Shootings, as `/cms incidents` and the dashboard list them: takedown reminders and SOS
    # calls are stored as incidents too, but no feed reported them.
    conditions: list[ColumnElement[bool]] = [column.kind == "shooting"]
    if query.since is not None:
        conditions.append(column.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(column.occurred_at < query.until)
    if query.status is not None:
        conditions.append(column.status == query.status)
    if query.source is not None:
        conditions.append(column.source == query.source)
    if query.type is not None:
        conditions.append(column.type == query.type)
    if query.team is not None:
        conditions.append(column.id.in_(select(incident_teams.c.incident_id)
                                        .where(incident_teams.c.team_id == query.team)))
    if query.after is not None:
        moment, incident_id = query.after
        conditions.append(or_(column.occurred_at < moment,
                              and_(column.occurred_at == moment, column.id < incident_id)))
    return found.where(*conditions)


async def _views(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The views of these incidents, in their order; the same reads and orders as `view`."""
    ids = [row["id"] for row in rows]
    if not ids:
        return []
    teams = _grouped(await conn.execute(
        select(incident_teams.c.incident_id, incident_teams.c.team_id, incident_teams.c.reason)
        .where(incident_teams.c.incident_id.in_(ids)).order_by(incident_teams.c.team_id)))
    paged = _grouped(await conn.execute(select(pages).where(pages.c.incident_id.in_(ids))
                                        .order_by(pages.c.team_id, pages.c.name)))
    sent = _grouped(await conn.execute(
        select(deliveries).where(deliveries.c.incident_id.in_(ids))
        .order_by(deliveries.c.channel, deliveries.c.recipient_name)))
    events = _grouped(await conn.execute(select(timeline).where(timeline.c.incident_id.in_(ids))
                                         .order_by(timeline.c.at, timeline.c.id)))
    links: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in await conn.execute(select(incident_links).where(or_(
            incident_links.c.incident_id.in_(ids), incident_links.c.linked_id.in_(ids)))):
        for own, other in ((link.incident_id, link.linked_id), (link.linked_id, link.incident_id)):
            links[own].append({"incident": other, "distance_m": link.distance_m,
                               "hours": link.hours})
    return [{
        "incident": row,
        "teams": [{"team_id": t["team_id"], "reason": t["reason"]} for t in teams[row["id"]]],
        "pages": paged[row["id"]], "deliveries": sent[row["id"]], "timeline": events[row["id"]],
        "links": links[row["id"]],
    } for row in rows]


def _grouped(result: Any) -> defaultdict[str, list[dict[str, Any]]]:
    groups: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in result:
        groups[row.incident_id].append(dict(row._mapping))
    return groups
