"""Twilio's delivery status callbacks: stored when they move a delivery forward, and a staff
alert that did not reach its person escalates at once rather than at its next step."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from alerts.delivery_states import NOT_REACHED, from_twilio
from bot.services.base import UseCase
from bot.services.escalation import Escalator
from bot.store.deliveries import DeliveryStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusCallbacks(UseCase):
    """Applies status callbacks, in the webhook or, deferred, in a worker."""

    escalator: Escalator

    async def apply(self, provider_id: str, status: str, code: str | None) -> bool:
        """Record the status if the delivery's machine allows the move; True if it moved."""
        moved = await DeliveryStore(self.engine).record_status(provider_id, status, code,
                                                               self.clock())
        log.info("status %s for %s%s", status, provider_id, "" if moved else " (no change)")
        if moved and from_twilio(status) in NOT_REACHED:
            await self.escalator.delivery_failed_by_provider_id(provider_id)
        return moved
