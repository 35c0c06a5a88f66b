"""Deliveries stored and moved through their machine (alerts/delivery_states.py), so that each
send happens at most once per idempotency key.

Unsure, or sending past its lease (the worker died): claimed as "resolve", which means ask the
provider whether it has the message, and send only if it has not. Every claim is a
compare-and-set UPDATE, so two workers can never both own a send.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.delivery_states import DELIVERY, FINAL, UNSENT, DeliveryStatus, from_twilio
from alerts.outbound import Outbound
from bot.store import inbound
from bot.store.schema import deliveries

_D = DeliveryStatus
ClaimState = Literal["claimed", "resolve", "busy", "done", "missing"]


@dataclass(frozen=True)
class Delivery:
    """A stored delivery, enough to send it again."""

    message: Outbound
    status: DeliveryStatus
    attempts: int
    claimed_at: datetime | None
    provider_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Claim:
    """The result of trying to take a delivery: send it, resolve it first, wait, or leave it."""

    state: ClaimState
    delivery: Delivery | None = None
    wait: timedelta = timedelta(0)


class DeliveryStore:
    """Deliveries and their status, shared by the send jobs and the status callbacks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self, key: str) -> Delivery | None:
        """One delivery by key."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(deliveries).where(deliveries.c.key == key))).first()
        return _delivery(row._mapping) if row else None

    async def claim(self, key: str, now: datetime, lease: timedelta) -> Claim:
        """Take a delivery for an attempt. "resolve": ask the provider first, then send."""
        async with self.engine.begin() as conn:
            state: ClaimState = "claimed"
            taken = await conn.execute(_take(deliveries.c.key == key, now, _READY))
            if not taken.rowcount:
                # An earlier attempt may have reached the provider: it timed out, or its worker
                # died mid-call (a "sending" claim past its lease).
                state = "resolve"
                taken = await conn.execute(_take(deliveries.c.key == key, now, or_(
                    deliveries.c.status == _D.UNSURE,
                    and_(deliveries.c.status == _D.SENDING, deliveries.c.claimed_at < now - lease))))
            row = (await conn.execute(select(deliveries).where(deliveries.c.key == key))).first()
        if row is None:
            return Claim("missing")
        delivery = _delivery(row._mapping)
        if taken.rowcount:
            return Claim(state, delivery)
        if delivery.status in FINAL:
            return Claim("done", delivery)
        return Claim("busy", delivery, (delivery.claimed_at or now) + lease - now)

    async def claim_batch(self, batch_id: int, now: datetime, size: int) -> list[Delivery]:
        """Take up to `size` of a broadcast's deliveries that are pending or due for a retry, in
        one statement: `claim`'s compare-and-set for a page, skipping rows another worker is
        claiming."""
        ready = select(deliveries.c.key).where(
            deliveries.c.batch_id == batch_id,
            or_(deliveries.c.status == _D.PENDING,
                and_(deliveries.c.status == _D.RETRY, deliveries.c.next_attempt_at <= now)),
        ).limit(size).with_for_update(skip_locked=True)
        async with self.engine.begin() as conn:
            rows = await conn.execute(_take(deliveries.c.key.in_(ready), now, _READY)
                                      .returning(*deliveries.c))
            return [_delivery(row._mapping) for row in rows]

    async def doubtful_in_batch(self, batch_id: int, now: datetime, lease: timedelta,
                                size: int) -> list[tuple[str, str]]:
        """(key, body) of a broadcast's deliveries whose last attempt may have reached the
        provider: unsure and due, or claimed by a worker that died (past the lease)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(deliveries.c.key, deliveries.c.body).where(
                deliveries.c.batch_id == batch_id,
                or_(and_(deliveries.c.status == _D.UNSURE, deliveries.c.next_attempt_at <= now),
                    and_(deliveries.c.status == _D.SENDING,
                         deliveries.c.claimed_at < now - lease)))
                .order_by(deliveries.c.key).limit(size))
            return [(row.key, row.body) for row in rows]

    async def mark_sent(self, key: str, provider_id: str, now: datetime) -> None:
        """The provider accepted the message."""
        await self._set(key, now, status=_D.SENT, provider_id=provider_id, sent_at=now,
                        error=None, error_code=None, next_attempt_at=None)

    async def confirm_sent(self, key: str, provider_id: str, now: datetime) -> None:
        """The provider shows it has the message (a call fetched its TwiML) though we never
        heard back from the create: record it as sent, so it is never made again."""
        async with self.engine.begin() as conn:
            await conn.execute(update(deliveries).where(
                deliveries.c.key == key, deliveries.c.provider_id.is_(None),
                deliveries.c.status.in_(UNSENT)).values(
                status=_D.SENT, provider_id=provider_id, sent_at=now, updated_at=now,
                error=None, error_code=None, next_attempt_at=None))

    async def mark_all_sent(self, receipts: Sequence[tuple[str, str]], now: datetime) -> None:
        """`mark_sent` for many deliveries, (key, provider id) each, in one statement."""
        if not receipts:
            return
        async with self.engine.begin() as conn:
            await conn.execute(_MARK_SENT, [{"sent_key": key, "sent_id": provider_id, "at": now}
                                            for key, provider_id in receipts])

    async def mark_retry(self, key: str, now: datetime, at: datetime, error: str) -> None:
        """The provider refused for now (rate limit); sending again is safe."""
        await self._set(key, now, status=_D.RETRY, next_attempt_at=at, error=error)

    async def mark_unsure(self, key: str, now: datetime, at: datetime, error: str) -> None:
        """The outcome is unknown (timeout, 5xx): the next attempt must ask the provider first."""
        await self._set(key, now, status=_D.UNSURE, next_attempt_at=at, error=error)

    async def mark_failed(self, key: str, now: datetime, code: str | None, error: str) -> None:
        """A permanent failure: recorded and never retried."""
        await self._set(key, now, status=_D.FAILED, error_code=code, error=error,
                        next_attempt_at=None)

    async def mark_all_failed(self, keys: Iterable[str], now: datetime, code: str | None,
                              error: str) -> None:
        """`mark_failed` for many deliveries in one statement."""
        async with self.engine.begin() as conn:
            await conn.execute(update(deliveries).where(deliveries.c.key.in_(list(keys))).values(
                status=_D.FAILED, error_code=code, error=error, next_attempt_at=None,
                updated_at=now))

    async def record_status(self, provider_id: str, status: str, code: str | None,
                            now: datetime) -> bool:
        """Apply a provider status callback if the machine allows the move; True if it did.

        Callbacks only move forward: a late "sent" never undoes "delivered".
        """
        new = from_twilio(status)
        if new is None:
            return False
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(deliveries)
                .where(deliveries.c.provider_id == provider_id,
                       deliveries.c.status.in_(DELIVERY.sources(new)))
                .values(status=new, updated_at=now,
                        **({"error_code": code} if code else {})))
        return bool(result.rowcount)

    async def opted_out(self, phone: str, sender: str) -> bool:
        """Whether this number said STOP to this sender."""
        async with self.engine.connect() as conn:
            return await inbound.opted_out(conn, phone, sender)

    async def opted_out_among(self, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (phone, sender) pairs whose number said STOP to that sender."""
        async with self.engine.connect() as conn:
            return await inbound.opted_out_among(conn, pairs)

    async def record_opt_out(self, phone: str, sender: str, now: datetime, source: str) -> None:
        """Mirror an opt-out the provider told us about."""
        async with self.engine.begin() as conn:
            await inbound.opt_out(conn, phone, sender, now, source)

    async def stuck(self, now: datetime, grace: timedelta,
                    lease: timedelta) -> Sequence[Delivery]:
        """Deliveries that should have a job but may not: the input to reconcile."""
        async with self.engine.connect() as conn:
            # A broadcast's deliveries belong to its batch jobs (workers/fanout.py), not here.
            rows = await conn.execute(select(deliveries).where(deliveries.c.batch_id.is_(None), or_(
                and_(deliveries.c.status == _D.PENDING, deliveries.c.created_at < now - grace),
                and_(deliveries.c.status.in_((_D.RETRY, _D.UNSURE)),
                     or_(deliveries.c.next_attempt_at.is_(None),
                         deliveries.c.next_attempt_at < now - grace)),
                and_(deliveries.c.status == _D.SENDING, deliveries.c.claimed_at < now - lease),
            )).order_by(deliveries.c.created_at).limit(5000))
            return [_delivery(row._mapping) for row in rows]

    async def _set(self, key: str, now: datetime, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(deliveries).where(deliveries.c.key == key)
                               .values(updated_at=now, **values))


# Waiting to be sent, and surely never taken by the provider: safe to send without asking.
_READY = deliveries.c.status.in_((_D.PENDING, _D.RETRY))
# mark_all_sent's statement, built once: a broadcast records a page of receipts with it.
_MARK_SENT = update(deliveries).where(deliveries.c.key == bindparam("sent_key")).values(
    status=_D.SENT, provider_id=bindparam("sent_id"), sent_at=bindparam("at"),
    updated_at=bindparam("at"), error=None, error_code=None, next_attempt_at=None)


def _take(match: Any, now: datetime, condition: Any) -> Any:
    """The claim: matching rows in `condition` become "sending", their attempt counted."""
    return (update(deliveries).where(match, condition)
            .values(status=_D.SENDING, claimed_at=now, updated_at=now,
                    attempts=deliveries.c.attempts + 1))


def _delivery(row: Any) -> Delivery:
    message = Outbound(
        key=row["key"], incident_id=row["incident_id"], kind=row["kind"], channel=row["channel"],
        recipient=row["recipient"], body=row["body"], blocks=tuple(row["blocks"] or ()),
        sender=row["sender"], recipient_name=row["recipient_name"], team_id=row["team_id"],
    )
    return Delivery(message, DeliveryStatus(row["status"]), row["attempts"], row["claimed_at"],
                    row["provider_id"], row["created_at"])
