"""Every inbound SMS a benchmark sends, with its MessageSid and how the webhook answered it, so
that the database can be asked afterwards whether each was recorded once and answered."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass

import aiohttp

from bench.harness import STAFF_FROM, RequestResult
from bench.twilio_double import StampedTwilio

_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.DOTALL)


@dataclass(frozen=True)
class SentReply:
    """One inbound SMS: who sent what, and the webhook's answer."""

    sid: str
    phone: str
    body: str
    result: RequestResult
    twiml: str | None  # the TwiML message's text; None: empty TwiML (or no answer at all)


def twiml_message(text: str) -> str | None:
    """The text of the message in a TwiML answer; None when it carries none."""
    found = _MESSAGE.search(text)
    return html.unescape(found.group(1)) if found else None


class ReplyLedger:
    """Sends signed inbound SMS through the Twilio double and keeps what became of each."""

    def __init__(self, twilio: StampedTwilio, base_url: str, run_id: str) -> None:
        self.sent: list[SentReply] = []
        self._twilio = twilio
        self._url = f"{base_url}/twilio/sms"
        self._run_id = run_id

    def sid(self, j: int) -> str:
        """Reply `j`'s MessageSid: unique per run, so the database shows which were recorded."""
        return f"SM{self._run_id}{j:026d}"

    async def send(self, j: int, phone: str, body: str) -> RequestResult:
        """POST reply `j` as Twilio would; a request that raises is a failed request."""
        sid = self.sid(j)
        started = time.perf_counter()
        try:
            status, text = await self._twilio.send_inbound(self._url, phone, STAFF_FROM, body,
                                                           message_sid=sid)
        except (aiohttp.ClientError, TimeoutError) as exc:
            result = RequestResult(j, started, time.perf_counter() - started, 0, repr(exc))
            self.sent.append(SentReply(sid, phone, body, result, None))
            return result
        result = RequestResult(j, started, time.perf_counter() - started, status,
                               "" if 200 <= status < 300 else text[:200])
        answer = twiml_message(text) if result.ok else None
        self.sent.append(SentReply(sid, phone, body, result, answer))
        return result

    @property
    def twiml(self) -> int:
        """How many were answered with a TwiML message."""
        return sum(reply.twiml is not None for reply in self.sent)
