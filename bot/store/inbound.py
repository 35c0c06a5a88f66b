"""Inbound SMS bookkeeping: each MessageSid kept once before it is acted on, acted on once,
opt-outs, and the help-text rate limit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.states import INBOUND, AnsweredVia, InboundState
from bot.store.dialect import insert_ignore, insert_new
from bot.store.schema import inbound_messages, opt_outs

# The statements every inbound SMS runs, built once (see dialect.insert_ignore for why).
_EARLIER = select(inbound_messages.c.state, inbound_messages.c.reply,
                  inbound_messages.c.answered_via).where(inbound_messages.c.sid == bindparam("s"))
_CLAIM = update(inbound_messages).where(
    inbound_messages.c.sid == bindparam("s"),
    inbound_messages.c.state.in_(INBOUND.sources(InboundState.HANDLED))).values(
    state=InboundState.HANDLED, handled_at=bindparam("now")).returning(
    inbound_messages.c.phone, inbound_messages.c.to_number, inbound_messages.c.body,
    inbound_messages.c.opt_out_type)
_SAVE_REPLY = update(inbound_messages).where(inbound_messages.c.sid == bindparam("s")).values(
    reply=bindparam("r"), reply_kind=bindparam("k"), answered_via=bindparam("via"))
_HELPED = select(inbound_messages.c.sid).where(
    inbound_messages.c.phone == bindparam("phone"), inbound_messages.c.reply_kind == "help",
    inbound_messages.c.received_at > bindparam("since")).limit(1)
_OPTED_OUT = select(opt_outs.c.phone).where(opt_outs.c.phone == bindparam("phone"),
                                            opt_outs.c.sender == bindparam("sender"))


@dataclass(frozen=True)
class Message:
    """An inbound SMS as it was kept."""

    sid: str
    phone: str
    to_number: str
    body: str
    opt_out_type: str | None


@dataclass(frozen=True)
class Earlier:
    """Where a MessageSid seen before stands: received (not acted on yet) or handled."""

    state: InboundState
    reply: str | None
    answered_via: AnsweredVia | None


async def first_time(conn: AsyncConnection, message: Message, now: datetime,
                     state: InboundState = InboundState.RECEIVED) -> bool:
    """Keep an inbound message, not yet acted on; False if this MessageSid was seen before."""
    return await insert_ignore(conn, inbound_messages, {
        "sid": message.sid, "phone": message.phone, "to_number": message.to_number,
        "body": message.body, "opt_out_type": message.opt_out_type, "received_at": now,
        "state": state})


async def first_times(conn: AsyncConnection, kept: Sequence[tuple[Message, InboundState]],
                      now: datetime) -> set[str]:
    """Keep many inbound messages in one statement; the MessageSids seen for the first time."""
    return await insert_new(conn, inbound_messages, [
        {"sid": message.sid, "phone": message.phone, "to_number": message.to_number,
         "body": message.body, "opt_out_type": message.opt_out_type, "received_at": now,
         "state": state} for message, state in kept], "sid")


async def earlier_many(conn: AsyncConnection, sids: Iterable[str]) -> dict[str, Earlier]:
    """What became of each of these MessageSids seen before."""
    rows = await conn.execute(select(inbound_messages.c.sid, inbound_messages.c.state,
                                     inbound_messages.c.reply, inbound_messages.c.answered_via)
                              .where(inbound_messages.c.sid.in_(list(set(sids)))))
    return {row.sid: Earlier(InboundState(row.state), row.reply,
                             AnsweredVia(row.answered_via) if row.answered_via else None)
            for row in rows}


async def earlier(conn: AsyncConnection, sid: str) -> Earlier | None:
    """What became of a MessageSid kept before (None: never seen)."""
    row = (await conn.execute(_EARLIER, {"s": sid})).first()
    if row is None:
        return None
    via = AnsweredVia(row.answered_via) if row.answered_via else None
    return Earlier(InboundState(row.state), row.reply, via)


async def message(conn: AsyncConnection, sid: str) -> Message | None:
    """A kept message by its MessageSid."""
    row = (await conn.execute(select(inbound_messages).where(
        inbound_messages.c.sid == sid))).first()
    if row is None:
        return None
    return Message(sid, row.phone, row.to_number, row.body, row.opt_out_type)


async def claim(conn: AsyncConnection, sid: str, now: datetime) -> Message | None:
    """Mark a received message handled in this transaction and return it; None when it was
    handled already. Of two claims at once, one gets it (the row lock, or SQLite's writer lock,
    makes the other see it handled); a rolled-back claim leaves it received."""
    row = (await conn.execute(_CLAIM, {"s": sid, "now": now})).first()
    if row is None:
        return None
    return Message(sid, row.phone, row.to_number, row.body, row.opt_out_type)


async def claim_next_deferred(conn: AsyncConnection, now: datetime) -> Message | None:
    """The oldest message left for a worker, marked handled in this transaction; None when
    none is left. Two workers draining at once take different ones (SKIP LOCKED)."""
    oldest = select(inbound_messages.c.sid).where(
        inbound_messages.c.state == InboundState.DEFERRED).order_by(
        inbound_messages.c.received_at).limit(1).with_for_update(skip_locked=True)
    row = (await conn.execute(update(inbound_messages).where(
        inbound_messages.c.sid == oldest.scalar_subquery(),
        inbound_messages.c.state == InboundState.DEFERRED).values(
        state=InboundState.HANDLED, handled_at=now).returning(
        inbound_messages.c.sid, inbound_messages.c.phone, inbound_messages.c.to_number,
        inbound_messages.c.body, inbound_messages.c.opt_out_type))).first()
    if row is None:
        return None
    return Message(row.sid, row.phone, row.to_number, row.body, row.opt_out_type)


async def defer(conn: AsyncConnection, sid: str) -> None:
    """Leave a received message to a worker after all (its webhook ran out of time)."""
    await conn.execute(update(inbound_messages).where(
        inbound_messages.c.sid == sid,
        inbound_messages.c.state.in_(INBOUND.sources(InboundState.DEFERRED)))
        .values(state=InboundState.DEFERRED))


async def save_reply(conn: AsyncConnection, sid: str, reply: str | None, kind: str,
                     via: AnsweredVia | None) -> None:
    """Keep the reply and how it goes out, so a retry of the same message gets no second one."""
    await conn.execute(_SAVE_REPLY, {"s": sid, "r": reply, "k": kind, "via": via})


async def answered_by_sms(conn: AsyncConnection, sid: str) -> str | None:
    """A reply kept as given in TwiML whose webhook answered without it after all (the attempt
    committed as its deadline cancelled it): now it goes out as an SMS. The reply, or None."""
    row = (await conn.execute(update(inbound_messages).where(
        inbound_messages.c.sid == sid, inbound_messages.c.answered_via == AnsweredVia.TWIML)
        .values(answered_via=AnsweredVia.SMS).returning(inbound_messages.c.reply))).first()
    return row.reply if row is not None else None


async def deferred_since(conn: AsyncConnection, before: datetime) -> bool:
    """Whether some message left for the workers' drain has waited since before `before`."""
    found = await conn.scalar(select(inbound_messages.c.sid).where(
        inbound_messages.c.state == InboundState.DEFERRED,
        inbound_messages.c.received_at < before).limit(1))
    return found is not None


async def waiting(conn: AsyncConnection, before: datetime, limit: int = 5000) -> list[str]:
    """MessageSids kept before `before` that their webhook was acting on and never finished
    (it died mid-answer): each needs a job of its own."""
    return list(await conn.scalars(select(inbound_messages.c.sid).where(
        inbound_messages.c.state == InboundState.RECEIVED,
        inbound_messages.c.received_at < before).order_by(inbound_messages.c.received_at)
        .limit(limit)))


async def helped_recently(conn: AsyncConnection, phone: str, now: datetime,
                          within: timedelta = timedelta(hours=1)) -> bool:
    """Whether this number got the help text within the last hour (auto-responders loop)."""
    found = await conn.scalar(_HELPED, {"phone": phone, "since": now - within})
    return found is not None


async def opt_out(conn: AsyncConnection, phone: str, sender: str, now: datetime,
                  source: str) -> bool:
    """Never send to this number from this sender again (until START); False if it had
    opted out already."""
    return await insert_ignore(conn, opt_outs, {"phone": phone, "sender": sender,
                                                "opted_out_at": now, "source": source})


async def opt_in(conn: AsyncConnection, phone: str, sender: str) -> bool:
    """START: the number may be sent to again; False if it had not opted out."""
    result = await conn.execute(delete(opt_outs).where(opt_outs.c.phone == phone,
                                                       opt_outs.c.sender == sender))
    return bool(result.rowcount)


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
