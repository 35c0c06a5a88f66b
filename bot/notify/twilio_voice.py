"""Calls through Twilio's Calls API with the real `twilio` SDK: the call fetches what to say from
/twilio/voice, and its outcome comes back to /twilio/voice/status.

A call is made once per delivery key, like an SMS: the key rides in the TwiML URL, so the
voice webhook knows which page it is about, and a doubtful attempt is resolved by asking
Twilio's Calls list for a call to that number since the delivery was made.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from urllib.parse import quote

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from alerts.outbound import Outbound
from alerts.phone import redact
from bot.notify.base import Permanent, Receipt, Retryable
from bot.notify.twilio_sms import create, translate

log = logging.getLogger(__name__)

VOICE_PATH, GATHER_PATH, STATUS_PATH = "/twilio/voice", "/twilio/voice/gather", "/twilio/voice/status"
# Long enough to wake a sleeper; a voicemail box that answers first gets the short message.
RING_SECONDS = 30
_CLOCK_SKEW = timedelta(minutes=2)


def voice_url(public_url: str, key: str) -> str:
    """Where Twilio fetches a call's TwiML: the delivery key says which page it is."""
    return f"{public_url}{VOICE_PATH}?key={quote(key)}"


class TwilioVoice:
    """Places calls from the caller id, with answering-machine detection."""

    def __init__(self, client: Client, caller_id: str, public_url: str,
                 timeout: float = 10.0) -> None:
        self.client = client
        self.caller_id = caller_id
        self.public_url = public_url
        self.timeout = timeout

    async def send(self, message: Outbound) -> Receipt:
        """Create the call; raise Retryable, Unsure or Permanent when Twilio does not take it."""
        created = await create(self.client.calls.create_async(
            to=message.recipient, from_=self.caller_id,
            url=voice_url(self.public_url, message.key),
            status_callback=self.public_url + STATUS_PATH,
            # With DetectMessageEnd a voicemail is left after the greeting's beep.
            machine_detection="DetectMessageEnd", timeout=RING_SECONDS), self.timeout)
        return Receipt(str(created.sid))

    async def find_sent(self, message: Outbound, since: datetime) -> Receipt | None:
        """Twilio's record of a call from us to this number since `since`, if it placed one."""
        try:
            async with asyncio.timeout(self.timeout):
                records = await self.client.calls.list_async(to=message.recipient,
                                                             from_=self.caller_id, limit=20)
        except TwilioRestException as exc:
            raise translate(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Retryable(f"cannot list Twilio calls ({type(exc).__name__})") from None
        for record in records:
            if record.date_created is None or record.date_created >= since - _CLOCK_SKEW:
                log.info("found call %s to %s already at Twilio", message.key,
                         redact(message.recipient))
                return Receipt(str(record.sid))
        return None


class NoCalls:
    """Calls when Twilio is configured without what a call needs: each fails loudly, so the
    escalation moves on at once instead of waiting on a call that never rings."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def send(self, message: Outbound) -> Receipt:
        """Refuse, for good."""
        raise Permanent(f"cannot place calls: {self.reason}", "no-voice")

    async def find_sent(self, message: Outbound, since: datetime) -> Receipt | None:
        """No call was ever placed."""
        return None
