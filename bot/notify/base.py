"""The Notifier port and the small error hierarchy every adapter translates its vendor's into.

    DeliveryError
     +-- Retryable   the provider refused for now (429, connection refused): send again later
     +-- Unsure      the outcome is unknown (timeout, 5xx): ask the provider before sending again
     +-- Permanent   never retry (bad number, unsubscribed, channel gone)
          +-- Unreachable   the number cannot get SMS (invalid, landline)
          +-- OptedOut      the recipient replied STOP (Twilio 21610)

Nothing above an adapter imports `twilio` or `slack_sdk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from alerts.outbound import Outbound


@dataclass(frozen=True)
class Receipt:
    """The provider's id for an accepted message (Twilio SID, Slack ts, outbox row)."""

    provider_id: str


class DeliveryError(Exception):
    """A send did not go through; `code` is the provider's error code when it gave one."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Retryable(DeliveryError):
    """Refused for now; `retry_after` seconds if the provider said; `throttled` for a 429."""

    def __init__(self, reason: str, code: str | None = None, retry_after: float | None = None,
                 throttled: bool = False) -> None:
        super().__init__(reason, code)
        self.retry_after = retry_after
        self.throttled = throttled


class Unsure(DeliveryError):
    """The provider may or may not have accepted the message."""


class Permanent(DeliveryError):
    """Sending again would fail the same way."""


class Unreachable(Permanent):
    """The phone number cannot receive SMS."""


class OptedOut(Permanent):
    """The recipient opted out of messages from this sender."""


class Notifier(Protocol):
    """Sends one kind of channel ("sms" or "slack")."""

    async def send(self, message: Outbound) -> Receipt:
        """Hand the message to the provider; raise a DeliveryError when it does not take it."""
        ...

    async def find_sent(self, message: Outbound, since: datetime) -> Receipt | None:
        """The provider's record of this message if it was accepted after `since`, else None."""
        ...


class PostUpdater(Protocol):
    """Edits a posted message in place (Slack's chat.update, or the outbox)."""

    async def update(self, channel: str, ts: str, text: str,
                     blocks: tuple[dict[str, Any], ...]) -> None:
        """Replace the post's content; raise a DeliveryError when the provider refuses."""
        ...
