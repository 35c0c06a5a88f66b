"""Inbound SMS bookkeeping: each MessageSid once, opt-outs, and the help-text rate limit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.dialect import insert_ignore
from bot.store.schema import inbound_messages, opt_outs

# The statements every inbound SMS runs, built once (see dialect.insert_ignore for why).
_EARLIER_REPLY = select(inbound_messages.c.reply).where(inbound_messages.c.sid == bindparam("s"))
_SAVE_REPLY = update(inbound_messages).where(inbound_messages.c.sid == bindparam("s")).values(
    reply=bindparam("r"), reply_kind=bindparam("k"))
_HELPED = select(inbound_messages.c.sid).where(
    inbound_messages.c.phone == bindparam("phone"), inbound_messages.c.reply_kind == "help",
    inbound_messages.c.received_at > bindparam("since")).limit(1)
_OPTED_OUT = select(opt_outs.c.phone).where(opt_outs.c.phone == bindparam("phone"),
                                            opt_outs.c.sender == bindparam("sender"))


async def first_time(conn: AsyncConnection, sid: str, phone: str, to_number: str, body: str,
                     now: datetime) -> bool:
    """Record an inbound message; False if this MessageSid was seen before (a Twilio retry)."""
    return await insert_ignore(conn, inbound_messages, {
        "sid": sid, "phone": phone, "to_number": to_number, "body": body, "received_at": now})


async def earlier_reply(conn: AsyncConnection, sid: str) -> str | None:
    """The reply given the first time this MessageSid came in."""
    return await conn.scalar(_EARLIER_REPLY, {"s": sid})


async def save_reply(conn: AsyncConnection, sid: str, reply: str | None, kind: str) -> None:
    """Keep the reply, so a retry of the same message gets the same answer."""
    await conn.execute(_SAVE_REPLY, {"s": sid, "r": reply, "k": kind})


async def helped_recently(conn: AsyncConnection, phone: str, now: datetime,
                          within: timedelta = timedelta(hours=1)) -> bool:
    """Whether this number got the help text within the last hour (auto-responders loop)."""
    found = await conn.scalar(_HELPED, {"phone": phone, "since": now - within})
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
    found = await conn.scalar(_OPTED_OUT, {"phone": phone, "sender": sender})
    return found is not None


async def opted_out_among(conn: AsyncConnection,
                          pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (phone, sender) pairs whose number said STOP to that sender, in one query."""
    wanted = set(pairs)
    rows = await conn.execute(select(opt_outs.c.phone, opt_outs.c.sender).where(
        opt_outs.c.phone.in_([phone for phone, _ in wanted])))
    return {(row.phone, row.sender) for row in rows} & wanted


async def opted_out_phones(conn: AsyncConnection, sender: str) -> set[str]:
    """Every number opted out of a sender (for the roster view)."""
    return set(await conn.scalars(select(opt_outs.c.phone).where(opt_outs.c.sender == sender)))
