"""The delivery state machine that makes each send happen at most once per idempotency key.

    pending --claim--> sending --sent--> sent --callback--> delivered | undelivered | failed
                          |   \\--provider said no (429)--> retry --claim--> sending
                          |    \\--outcome unknown (timeout, 5xx)--> unsure
                          |     \\--permanent error--> failed
    unsure, or sending past its lease (the worker died): claimed as "resolve", which means
    ask the provider whether it has the message, and send only if it has not.

Every transition is a compare-and-set UPDATE, so two workers can never both own a send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.outbound import Outbound
from bot.store import inbound
from bot.store.schema import deliveries

FINAL = ("sent", "delivered", "undelivered", "failed")
# Provider statuses only move forward; a late "sent" callback never undoes "delivered".
_RANK = {"pending": 0, "retry": 0, "unsure": 0, "sending": 1, "queued": 2, "accepted": 2,
         "sent": 3, "delivered": 4, "read": 5, "undelivered": 4, "failed": 4}

ClaimState = Literal["claimed", "resolve", "busy", "done", "missing"]


@dataclass(frozen=True)
class Delivery:
    """A stored delivery, enough to send it again."""

    message: Outbound
    status: str
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
            taken = await conn.execute(self._take(key, now, deliveries.c.status.in_(("pending", "retry"))))
            if not taken.rowcount:
                # An earlier attempt may have reached the provider: it timed out, or its worker
                # died mid-call (a "sending" claim past its lease).
                state = "resolve"
                taken = await conn.execute(self._take(key, now, or_(
                    deliveries.c.status == "unsure",
                    and_(deliveries.c.status == "sending", deliveries.c.claimed_at < now - lease))))
            row = (await conn.execute(select(deliveries).where(deliveries.c.key == key))).first()
        if row is None:
            return Claim("missing")
        delivery = _delivery(row._mapping)
        if taken.rowcount:
            return Claim(state, delivery)
        if delivery.status in FINAL:
            return Claim("done", delivery)
        return Claim("busy", delivery, (delivery.claimed_at or now) + lease - now)

    @staticmethod
    def _take(key: str, now: datetime, condition: Any) -> Any:
        return (update(deliveries).where(deliveries.c.key == key, condition)
                .values(status="sending", claimed_at=now, updated_at=now,
                        attempts=deliveries.c.attempts + 1))

    async def mark_sent(self, key: str, provider_id: str, now: datetime) -> None:
        """The provider accepted the message."""
        await self._set(key, now, status="sent", provider_id=provider_id, sent_at=now,
                        error=None, error_code=None, next_attempt_at=None)

    async def mark_retry(self, key: str, now: datetime, at: datetime, error: str) -> None:
        """The provider refused for now (rate limit); sending again is safe."""
        await self._set(key, now, status="retry", next_attempt_at=at, error=error)

    async def mark_unsure(self, key: str, now: datetime, at: datetime, error: str) -> None:
        """The outcome is unknown (timeout, 5xx): the next attempt must ask the provider first."""
        await self._set(key, now, status="unsure", next_attempt_at=at, error=error)

    async def mark_failed(self, key: str, now: datetime, code: str | None, error: str) -> None:
        """A permanent failure: recorded and never retried."""
        await self._set(key, now, status="failed", error_code=code, error=error,
                        next_attempt_at=None)

    async def record_status(self, provider_id: str, status: str, code: str | None,
                            now: datetime) -> bool:
        """Apply a provider status callback if it moves the delivery forward; True if it did."""
        rank = _RANK.get(status)
        if rank is None:
            return False
        lower = [name for name, value in _RANK.items() if value < rank]
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(deliveries)
                .where(deliveries.c.provider_id == provider_id, deliveries.c.status.in_(lower))
                .values(status=status, updated_at=now,
                        **({"error_code": code} if code else {})))
        return bool(result.rowcount)

    async def opted_out(self, phone: str, sender: str) -> bool:
        """Whether this number said STOP to this sender."""
        async with self.engine.connect() as conn:
            return await inbound.opted_out(conn, phone, sender)

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
                and_(deliveries.c.status == "pending", deliveries.c.created_at < now - grace),
                and_(deliveries.c.status.in_(("retry", "unsure")),
                     or_(deliveries.c.next_attempt_at.is_(None),
                         deliveries.c.next_attempt_at < now - grace)),
                and_(deliveries.c.status == "sending", deliveries.c.claimed_at < now - lease),
            )).order_by(deliveries.c.created_at).limit(5000))
            return [_delivery(row._mapping) for row in rows]

    async def _set(self, key: str, now: datetime, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(deliveries).where(deliveries.c.key == key)
                               .values(updated_at=now, **values))


def _delivery(row: Any) -> Delivery:
    message = Outbound(
        key=row["key"], incident_id=row["incident_id"], kind=row["kind"], channel=row["channel"],
        recipient=row["recipient"], body=row["body"], blocks=tuple(row["blocks"] or ()),
        sender=row["sender"], recipient_name=row["recipient_name"], team_id=row["team_id"],
    )
    return Delivery(message, row["status"], row["attempts"], row["claimed_at"], row["provider_id"],
                    row["created_at"])
