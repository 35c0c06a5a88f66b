"""Inbound SMS bookkeeping: each MessageSid once, opt-outs, and the help-text rate limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.dialect import insert_ignore
from bot.store.schema import inbound_messages, opt_outs


async def first_time(conn: AsyncConnection, sid: str, phone: str, to_number: str, body: str,
                     now: datetime) -> bool:
    """Record an inbound message; False if this MessageSid was seen before (a Twilio retry)."""
    return await insert_ignore(conn, inbound_messages, {
        "sid": sid, "phone": phone, "to_number": to_number, "body": body, "received_at": now})


async def earlier_reply(conn: AsyncConnection, sid: str) -> str | None:
    """The reply given the first time this MessageSid came in."""
    return await conn.scalar(select(inbound_messages.c.reply).where(inbound_messages.c.sid == sid))


async def save_reply(conn: AsyncConnection, sid: str, reply: str | None, kind: str) -> None:
    """Keep the reply, so a retry of the same message gets the same answer."""
    await conn.execute(update(inbound_messages).where(inbound_messages.c.sid == sid)
                       .values(reply=reply, reply_kind=kind))


async def helped_recently(conn: AsyncConnection, phone: str, now: datetime,
                          within: timedelta = timedelta(hours=1)) -> bool:
    """Whether this number got the help text within the last hour (auto-responders loop)."""
    found = await conn.scalar(select(inbound_messages.c.sid).where(
        inbound_messages.c.phone == phone, inbound_messages.c.reply_kind == "help",
        inbound_messages.c.received_at > now - within).limit(1))
    return found is not None


async def opt_out(conn: AsyncConnection, phone: str, sender: str, now: datetime,
                  source: str) -> None:
    """Never send to this number from this sender again (until START)."""
    await insert_ignore(conn, opt_outs, {"phone": phone, "sender": sender, "opted_out_at": now,
                                         "source": source})


async def opt_in(conn: AsyncConnection, phone: str, sender: str) -> None:
    """START: the number may be sent to again."""
    await conn.execute(delete(opt_outs).where(opt_outs.c.phone == phone, opt_outs.c.sender == sender))


async def opted_out(conn: AsyncConnection, phone: str, sender: str) -> bool:
    """Whether the number said STOP to this sender."""
    found = await conn.scalar(select(opt_outs.c.phone).where(opt_outs.c.phone == phone,
                                                             opt_outs.c.sender == sender))
    return found is not None


async def opted_out_phones(conn: AsyncConnection, sender: str) -> set[str]:
    """Every number opted out of a sender (for the roster view)."""
    return set(await conn.scalars(select(opt_outs.c.phone).where(opt_outs.c.sender == sender)))
