"""The local outbox adapter: messages are stored (once per key) and logged, nothing leaves."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from alerts.contacts import PHONE_CHANNELS
from alerts.outbound import Outbound
from alerts.phone import redact
from bot.notify.base import Receipt
from bot.store.outbox import UPDATE_PREFIX, OutboxStore

log = logging.getLogger(__name__)


class OutboxNotifier:
    """Stands in for Twilio or Slack on a machine without credentials."""

    def __init__(self, store: OutboxStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    async def send(self, message: Outbound) -> Receipt:
        """Keep the message in the outbox."""
        entry = await self.store.put(message, self.clock())
        who = redact(message.recipient) if message.channel in PHONE_CHANNELS else message.recipient
        log.info("outbox %s to %s: %s", message.channel,
                 f"{message.recipient_name} {who}" if message.recipient_name else who,
                 message.body.splitlines()[0] if message.body else "")
        return Receipt(f"outbox-{entry.id}")

    async def update(self, channel: str, ts: str, text: str,
                     blocks: tuple[dict[str, Any], ...]) -> None:
        """Keep the new version of a post (once per distinct content)."""
        digest = hashlib.blake2b(repr((channel, ts, text, blocks)).encode(),
                                 digest_size=10).hexdigest()
        await self.store.put(Outbound(key=f"{UPDATE_PREFIX}{digest}", incident_id=None, kind="update",
                                      channel="slack", recipient=channel, body=text,
                                      blocks=blocks), self.clock())
        log.info("outbox slack update of %s in %s", ts, channel)

    async def find_sent(self, message: Outbound, since: datetime) -> Receipt | None:
        """The outbox entry for this key, if one was stored."""
        entry = await self.store.find(message.key)
        return Receipt(f"outbox-{entry.id}") if entry else None
