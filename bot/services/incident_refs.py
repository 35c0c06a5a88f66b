"""Which incident a Slack user means, the team they act for on it, and their page of it.

Shared by every Slack action on an incident, so that each finds and refuses alike: an incident
someone may not act on is answered as one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.numbered_ids import id_number
from alerts.routing import Recipient
from alerts.sites import Person
from bot.store.pages import Page, add_pages, page_from_row
from bot.store.schema import incidents, pages


async def find_incident(conn: AsyncConnection, reference: str, person: Person) -> str | None:
    """The incident a typed reference names: one of the person's own open alert numbers ("12",
    "#12", as their SMS alerts show) or a whole id, as typed or in capitals. Never a part of an
    id: "77" once found another team's NYPD-...77 and told its id to someone who may not see it."""
    number = id_number(reference, "#")
    if number is not None:
        mine = await conn.scalar(select(pages.c.incident_id).where(
            pages.c.phone == person.key, pages.c.number == number, pages.c.open).limit(1))
        if mine is not None:
            return str(mine)
    for candidate in dict.fromkeys((reference, reference.upper())):
        found = await conn.scalar(select(incidents.c.id).where(incidents.c.id == candidate))
        if found is not None:
            return str(found)
    return None


def team_for(person: Person, routed: list[str], hint: str | None) -> str | bool | None:
    """The team the person acts for; None for "no team" (coordinators, unrouted); False: refused."""
    if person.is_coordinator:
        return hint if hint in routed else (routed[0] if routed else None)
    mine = [team for team in person.team_ids if team in routed]
    if not mine:
        return False
    return hint if hint in mine else mine[0]


async def page_for(conn: AsyncConnection, incident_id: str, person: Person, team_id: str | None,
                   now: datetime) -> Page:
    """The person's page of the incident, added (as "acted in Slack") if they had none."""
    row = (await conn.execute(select(pages).where(pages.c.incident_id == incident_id,
                                                  pages.c.phone == person.key))).first()
    if row is None:
        await add_pages(conn, incident_id, [Recipient(person.key, person.name, person.role,
                                                      team_id, "acted in Slack")], now)
        row = (await conn.execute(select(pages).where(pages.c.incident_id == incident_id,
                                                      pages.c.phone == person.key))).one()
    return page_from_row(row._mapping)
