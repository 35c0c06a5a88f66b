"""Cancelling an incident that turned out unfounded (or a duplicate of another report).

One transaction on the locked row: the incident becomes cancelled, every escalation, repage
and follow-up stops (a member on scene keeps their safety check-out timer: they still have to
get out), everyone with an open page is texted once, a resident notice not yet sending is
withdrawn, and the timeline keeps everything with "cancelled: reason" by who. The posts are
redrawn showing it cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.outbound import Outbound, delivery_key
from alerts.states import IncidentStatus
from alerts.update_texts import cancelled_sms
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store import incident_changes
from bot.store.pages import all_pages, insert_messages
from bot.store.timeline import add_event

REASON_CHARS = 200


class CancelError(ValueError):
    """A cancellation refused: `status` is the HTTP status that says why (404, 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Cancelled:
    """What a cancellation did."""

    incident_id: str
    told: int
    notices_withdrawn: int


@dataclass(frozen=True)
class Canceller(UseCase):
    """POST /api/incidents/{id}/cancel and `/cms cancel ID reason`."""

    async def cancel(self, incident_id: str, reason: str, by: str, channel: str) -> Cancelled:
        """Cancel the incident; CancelError when unknown (404) or already cancelled (409)."""
        reason = " ".join(reason.split())[:REASON_CHARS]
        now = self.clock()
        async with self.engine.begin() as conn:
            stored = await incident_changes.locked(conn, incident_id)
            if stored is None:
                raise CancelError(404, f"no incident {incident_id!r}")
            # Read before the cancellation closes them: who was still on it.
            paged = [p for p in await all_pages(conn, incident_id)
                     if p.open and p.phone.startswith("+")]
            if not await incident_changes.cancel(conn, incident_id, now):
                word = "already cancelled" if stored.status == IncidentStatus.CANCELLED \
                    else f"{stored.status}, and cannot be cancelled"
                raise CancelError(409, f"{incident_id} is {word}")
            await add_event(conn, incident_id, now, by, "cancelled", channel, reason)
            withdrawn = await incident_changes.withdraw_notices(conn, incident_id, now)
            if withdrawn:
                await add_event(conn, incident_id, now, "cmsbot", "notice withdrawn", "system",
                                "the residents' area notice will not be sent")
            # One key per person: a cancellation happens once, so its text does too.
            keys = await insert_messages(conn, [Outbound(
                key=delivery_key(f"{incident_id}:cancelled", "cancelled", "sms", p.phone),
                incident_id=incident_id, kind="cancelled", channel="sms", recipient=p.phone,
                body=cancelled_sms(p.number, reason), recipient_name=p.name, team_id=p.team_id)
                for p in paged], now)
        await hand_off(self.redis, Work(sends=keys, refresh=[incident_id], urgent=True), now)
        return Cancelled(incident_id, len(keys), withdrawn)
