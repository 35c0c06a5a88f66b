"""Pages: who was told about an incident, with the short number they reply with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.delivery_states import DeliveryStatus
from alerts.incident import Incident
from alerts.outbound import Outbound, next_number
from alerts.routing import Recipient
from alerts.states import PageState, page_state
from bot.store.dialect import lock_keys
from bot.store.schema import deliveries, incidents, pages


@dataclass(frozen=True)
class Page:
    """One person's page for one incident."""

    incident_id: str
    phone: str
    name: str
    role: str
    team_id: str | None
    number: int
    open: bool
    acked_at: datetime | None
    on_scene_at: datetime | None
    safe_at: datetime | None
    created_at: datetime

    @property
    def state(self) -> PageState:
        """What the person last said: new, acked, on scene or safe."""
        return page_state(self.acked_at, self.on_scene_at, self.safe_at)


def incident_from_row(row: Any) -> Incident:
    """The stored incident as the domain type."""
    return Incident(
        id=row["id"], occurred_at=row["occurred_at"], lat=row["lat"], lon=row["lon"],
        precinct=row["precinct"], borough=row["borough"], fatal=row["fatal"],
        victims=row["victims"], location=row["location"], hospital=row["hospital"],
        source=row["source"], verified=row["verified"], kind=row["kind"], title=row["title"],
        type=row["type"],
    )


def page_from_row(row: Any) -> Page:
    """A stored page."""
    return Page(row["incident_id"], row["phone"], row["name"], row["role"], row["team_id"],
                row["number"], row["open"], row["acked_at"], row["on_scene_at"], row["safe_at"],
                row["created_at"])


async def add_pages(conn: AsyncConnection, incident_id: str, people: Sequence[Recipient],
                    now: datetime, fresh: bool = False) -> dict[str, int]:
    """Page people for an incident; anyone already paged keeps (and reopens) their number.

    `fresh`: the incident was inserted in this transaction, so nobody is paged for it yet.
    """
    if not people:
        return {}
    phones = [person.phone for person in people]
    # Two incidents paging the same person at once must not both pick the same number.
    await lock_keys(conn, [f"short-number:{phone}" for phone in phones])
    existing = {} if fresh else {row.phone: row.number for row in await conn.execute(
        select(pages.c.phone, pages.c.number).where(pages.c.incident_id == incident_id,
                                                     pages.c.phone.in_(phones)))}
    if existing:
        await conn.execute(update(pages).where(pages.c.incident_id == incident_id,
                                               pages.c.phone.in_(list(existing)))
                           .values(open=True))
    in_use: dict[str, set[int]] = {}
    for phone, number in await conn.execute(select(pages.c.phone, pages.c.number).where(
            pages.c.open, pages.c.phone.in_(phones), pages.c.incident_id != incident_id)):
        in_use.setdefault(phone, set()).add(number)
    numbers = dict(existing)
    new_rows = []
    for person in people:
        if person.phone in numbers:
            continue
        numbers[person.phone] = next_number(in_use.get(person.phone, set()))
        new_rows.append({"incident_id": incident_id, "phone": person.phone, "name": person.name,
                         "role": person.role, "team_id": person.team_id, "reason": person.reason,
                         "number": numbers[person.phone], "open": True, "created_at": now})
    if new_rows:
        await conn.execute(pages.insert(), new_rows)
    return numbers


async def insert_messages(conn: AsyncConnection, messages: Sequence[Outbound], now: datetime,
                          batch_id: int | None = None, fresh: bool = False) -> list[str]:
    """Store deliveries (each key once) and return the keys that are new.

    `fresh`: the messages are of an incident inserted in this transaction; their keys are
    derived from its id, so none can be stored yet and the lookup is skipped.
    """
    if not messages:
        return []
    keys = [message.key for message in messages]
    known: set[str] = set()
    for start in range(0, 0 if fresh else len(keys), 500):  # bounded IN lists for broadcasts
        known.update(await conn.scalars(select(deliveries.c.key).where(
            deliveries.c.key.in_(keys[start:start + 500]))))
    rows = [{**delivery_row(m, now), "batch_id": batch_id} for m in messages if m.key not in known]
    if rows:
        await conn.execute(deliveries.insert(), rows)
    return [row["key"] for row in rows]


def delivery_row(message: Outbound, now: datetime) -> dict[str, Any]:
    """A new delivery, pending."""
    return {
        "key": message.key, "incident_id": message.incident_id, "kind": message.kind,
        "channel": message.channel, "sender": message.sender, "recipient": message.recipient,
        "recipient_name": message.recipient_name, "team_id": message.team_id,
        "body": message.body, "blocks": list(message.blocks) or None, "status": DeliveryStatus.PENDING,
        "attempts": 0, "created_at": now, "updated_at": now,
    }


# Every staff SMS reply reads this; built once (see dialect.insert_ignore for why).
_OPEN_PAGES = (select(pages, incidents).join(incidents, incidents.c.id == pages.c.incident_id)
               .where(pages.c.phone == bindparam("phone"), pages.c.open)
               .order_by(pages.c.created_at.desc(), pages.c.number.desc()))


async def open_pages(conn: AsyncConnection, phone: str) -> list[tuple[Page, Incident]]:
    """A person's open pages with their incidents, newest first."""
    rows = await conn.execute(_OPEN_PAGES, {"phone": phone})
    # pages and incidents share no column name, so one mapping serves both.
    return [(page_from_row(row._mapping), incident_from_row(row._mapping)) for row in rows]


async def incident(conn: AsyncConnection, incident_id: str) -> Incident | None:
    """One stored incident."""
    row = (await conn.execute(select(incidents).where(incidents.c.id == incident_id))).first()
    return incident_from_row(row._mapping) if row else None


async def team_pages(conn: AsyncConnection, incident_id: str, team_id: str) -> list[Page]:
    """Everyone paged for one team's part of an incident."""
    rows = await conn.execute(select(pages).where(pages.c.incident_id == incident_id,
                                                  pages.c.team_id == team_id))
    return [page_from_row(row._mapping) for row in rows]


async def page_of(conn: AsyncConnection, incident_id: str, phone: str) -> Page | None:
    """One person's page for an incident."""
    row = (await conn.execute(select(pages).where(pages.c.incident_id == incident_id,
                                                  pages.c.phone == phone))).first()
    return page_from_row(row._mapping) if row else None


async def all_pages(conn: AsyncConnection, incident_id: str) -> list[Page]:
    """Everyone paged for an incident."""
    rows = await conn.execute(select(pages).where(pages.c.incident_id == incident_id))
    return [page_from_row(row._mapping) for row in rows]
