"""SMS through Twilio's REST API with the real `twilio` SDK, its errors translated to ours."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from alerts.outbound import Outbound
from alerts.phone import redact
from bot.notify.base import (
    DeliveryError,
    OptedOut,
    Permanent,
    Receipt,
    Retryable,
    Unreachable,
    Unsure,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Twilio error codes that mean "this number will never take an SMS from us".
_UNREACHABLE = {21211, 21612, 21614, 21408, 30003, 30005, 30006}
_OPTED_OUT = {21610}
_CLOCK_SKEW = timedelta(minutes=2)


class TwilioSms:
    """Sends SMS from the staff or resident sender (a number or a Messaging Service SID)."""

    def __init__(self, client: Client, senders: Mapping[str, str],
                 status_callback: str | None = None, timeout: float = 10.0) -> None:
        self.client = client
        self.senders = senders
        self.status_callback = status_callback
        # The SDK's async client accepts a timeout but never applies it: we bound every call.
        self.timeout = timeout

    async def send(self, message: Outbound) -> Receipt:
        """Create the message; raise Retryable, Unsure or Permanent when Twilio does not take it."""
        params: dict[str, str] = {"to": message.recipient, "body": message.body}
        params.update(self._sender(message))
        if self.status_callback:
            params["status_callback"] = self.status_callback
        created = await create(self.client.messages.create_async(**params), self.timeout)
        return Receipt(str(created.sid))

    async def find_sent(self, message: Outbound, since: datetime) -> Receipt | None:
        """Twilio's record of this message to this number since `since`, if it took it."""
        sender = self._sender(message)
        try:
            # No server-side date filter: a queued message has no date_sent yet and would hide.
            async with asyncio.timeout(self.timeout):
                records = await self.client.messages.list_async(
                    to=message.recipient, from_=sender.get("from_", values.unset), limit=50)
        except TwilioRestException as exc:
            raise translate(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Retryable(f"cannot list Twilio messages ({type(exc).__name__})") from None
        for record in records:
            created = record.date_created
            if (record.body or "").strip() == message.body.strip() and (
                    created is None or created >= since - _CLOCK_SKEW):
                log.info("found %s to %s already at Twilio", message.key, redact(message.recipient))
                return Receipt(str(record.sid))
        return None

    def _sender(self, message: Outbound) -> dict[str, str]:
        sender = self.senders.get(message.sender) or self.senders["staff"]
        return {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}



async def create(request: Awaitable[T], seconds: float) -> T:
    """A Twilio create (a message, a call) within `seconds`, its failures as ours: Retryable
    when surely not taken, Unsure when it may have been, Permanent when it never will be."""
    try:
        async with asyncio.timeout(seconds):
            return await request
    except TwilioRestException as exc:
        raise translate(exc) from None
    except aiohttp.ClientConnectorError as exc:
        # Refused before anything was sent: a plain retry is safe.
        raise Retryable(f"cannot reach Twilio: {exc.os_error}") from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise Unsure(f"no answer from Twilio ({type(exc).__name__})") from None


def translate(exc: TwilioRestException) -> DeliveryError:
    """Twilio's error as one of ours, keeping its code; never the request URL or credentials."""
    code = str(exc.code) if exc.code else None
    reason = f"Twilio {exc.status}{f' error {code}' if code else ''}: {exc.msg}"
    if exc.status == 429 or exc.code == 20429:
        return Retryable(reason, code, throttled=True)
    if exc.status >= 500:
        return Unsure(reason, code)
    if exc.code in _OPTED_OUT:
        return OptedOut(reason, code)
    if exc.code in _UNREACHABLE:
        return Unreachable(reason, code)
    if exc.status in (401, 403):
        # Bad credentials are an operator's mistake that a fix will undo: keep retrying, loudly.
        log.error("Twilio refused our credentials (%s); SMS are held until this is fixed", reason)
        return Retryable(reason, code, retry_after=300)
    return Permanent(reason, code)


def open_client(account_sid: str, auth_token: str,
                api_url: str | None) -> tuple[Client, AsyncTwilioHttpClient]:
    """A Twilio client with its own aiohttp session; close it with `close_client`."""
    http = AsyncTwilioHttpClient()
    client = Client(account_sid, auth_token, http_client=http)
    if api_url:
        client.api.base_url = api_url.rstrip("/")
    return client, http


async def close_client(http: AsyncTwilioHttpClient) -> None:
    """Close the client's session (jobs run on a fresh event loop each, so nothing is shared)."""
    if http.session is not None:
        await http.session.close()
