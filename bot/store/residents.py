"""Residents, the areas they opted into, and the consent record of each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.resident_replies import Language
from alerts.states import ZONE, ZoneStatus
from bot.store.dialect import insert_ignore
from bot.store.schema import resident_choices, resident_zones, residents


async def language(conn: AsyncConnection, phone: str) -> Language | None:
    """The resident's language, or None if we have never heard from them."""
    found = await conn.scalar(select(residents.c.language).where(residents.c.phone == phone))
    return cast(Language, found) if found else None


async def ensure(conn: AsyncConnection, phone: str, preferred: Language, now: datetime) -> None:
    """Make sure the resident exists (first contact sets the language)."""
    await insert_ignore(conn, residents, {"phone": phone, "language": preferred, "created_at": now})


async def set_language(conn: AsyncConnection, phone: str, chosen: Language) -> None:
    """ES / EN."""
    await conn.execute(update(residents).where(residents.c.phone == phone).values(language=chosen))


async def request(conn: AsyncConnection, phone: str, zone: str, label: str, keyword: str,
                  text: str, now: datetime) -> bool:
    """Ask to join an area (pending until YES); False if already signed up for it."""
    row = (await conn.execute(select(resident_zones.c.status).where(
        resident_zones.c.phone == phone, resident_zones.c.zone == zone))).first()
    if row is not None and row.status == ZoneStatus.ACTIVE:
        return False
    values = {"label": label, "status": ZoneStatus.PENDING, "keyword": keyword, "requested_at": now,
              "request_text": text, "confirmed_at": None, "confirm_text": None, "left_at": None}
    if row is None:
        await conn.execute(resident_zones.insert().values(phone=phone, zone=zone, **values))
    else:
        await conn.execute(update(resident_zones).where(
            resident_zones.c.phone == phone, resident_zones.c.zone == zone).values(**values))
    return True


async def confirm(conn: AsyncConnection, phone: str, text: str, now: datetime) -> list[str]:
    """YES: every pending area becomes active, with the confirmation kept; their labels."""
    pending = list(await conn.scalars(select(resident_zones.c.label).where(
        resident_zones.c.phone == phone, resident_zones.c.status == ZoneStatus.PENDING)))
    if pending:
        await conn.execute(update(resident_zones).where(
            resident_zones.c.phone == phone, resident_zones.c.status == ZoneStatus.PENDING).values(
            status=ZoneStatus.ACTIVE, confirmed_at=now, confirm_text=text))
    return pending


async def leave(conn: AsyncConnection, phone: str, zone: str, now: datetime) -> bool:
    """LEAVE an area; False if they were not in it."""
    result = await conn.execute(update(resident_zones).where(
        resident_zones.c.phone == phone, resident_zones.c.zone == zone,
        resident_zones.c.status.in_(ZONE.sources(ZoneStatus.LEFT))).values(
            status=ZoneStatus.LEFT, left_at=now))
    return bool(result.rowcount)


async def areas(conn: AsyncConnection, phone: str) -> list[tuple[str, str]]:
    """(zone, label) of every active area, in the order joined."""
    rows = await conn.execute(select(resident_zones.c.zone, resident_zones.c.label).where(
        resident_zones.c.phone == phone, resident_zones.c.status == ZoneStatus.ACTIVE)
        .order_by(resident_zones.c.confirmed_at))
    return [(row.zone, row.label) for row in rows]


async def offer(conn: AsyncConnection, phone: str, zones: Sequence[str], keyword: str, text: str,
                now: datetime) -> None:
    """Keep the short list a resident was asked to choose from."""
    await conn.execute(delete(resident_choices).where(resident_choices.c.phone == phone))
    await conn.execute(resident_choices.insert().values(phone=phone, options=list(zones),
                                                        keyword=keyword, request_text=text,
                                                        created_at=now))


async def take_offer(conn: AsyncConnection, phone: str) -> tuple[list[str], str, str] | None:
    """The short list (zones, keyword, original text), removed once used."""
    row = (await conn.execute(select(resident_choices).where(
        resident_choices.c.phone == phone))).first()
    if row is None:
        return None
    await conn.execute(delete(resident_choices).where(resident_choices.c.phone == phone))
    return list(row.options), row.keyword, row.request_text


async def subscribers(conn: AsyncConnection, zones: Sequence[str]) -> list[tuple[str, Language]]:
    """(phone, language) of everyone signed up for any of these areas, each once."""
    if not zones:
        return []
    rows = await conn.execute(
        select(resident_zones.c.phone, residents.c.language).join(
            residents, residents.c.phone == resident_zones.c.phone)
        .where(resident_zones.c.zone.in_(list(zones)),
               resident_zones.c.status == ZoneStatus.ACTIVE)
        .distinct().order_by(resident_zones.c.phone))
    return [(row.phone, cast(Language, row.language)) for row in rows]
