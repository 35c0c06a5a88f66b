"""What the replies benchmark sends: members' signed SMS replies and signed `/cms` commands.

Each send returns a `RequestResult`; a request that raises is a failed request, not a crash.
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.harness import SIGNING_SECRET, STAFF_FROM, RequestResult
from bench.load_traffic import AlertBook
from tests.doubles import SlackApiDouble, TwilioApiDouble

COORDINATOR_SLACK = "U0BENCHCO1"  # the coordinator who types `/cms incidents`
TWIML_REPLY = "<Response><Message>"  # what an answered reply's TwiML starts with


class SmsReplier:
    """Sends reply `j`: a signed inbound SMS from an alerted member about one of their alerts.

    Half acknowledge ("12A": the first one acts, the rest hear it was done), half add a note
    ("12N note j": a timeline event and a Slack redraw each), so both paths are timed.
    """

    def __init__(self, twilio: TwilioApiDouble, base_url: str, book: AlertBook,
                 rng: random.Random, run_id: str) -> None:
        self.sids: list[str] = []
        self.twiml = 0  # answers that were TwiML with a message in them
        self._twilio = twilio
        self._url = f"{base_url}/twilio/sms"
        self._rng = rng
        self._run_id = run_id
        self._alerts = [(phone, n) for phone, numbers in book.numbers.items() for n in numbers]

    def sid(self, j: int) -> str:
        """Reply `j`'s MessageSid: unique per run, so the database shows which were recorded."""
        return f"SM{self._run_id}{j:026d}"

    async def __call__(self, j: int) -> RequestResult:
        phone, number = self._rng.choice(self._alerts)
        body = f"{number}A" if self._rng.random() < 0.5 else f"{number}N note {j}"
        sid = self.sid(j)
        self.sids.append(sid)
        started = time.perf_counter()
        try:
            status, text = await self._twilio.send_inbound(self._url, phone, STAFF_FROM, body,
                                                           message_sid=sid)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RequestResult(j, started, time.perf_counter() - started, 0, repr(exc))
        latency = time.perf_counter() - started
        if TWIML_REPLY in text:
            self.twiml += 1
        error = "" if 200 <= status < 300 else text[:200]
        return RequestResult(j, started, latency, status, error)


class SlashCommander:
    """Sends command `i`: `/cms incidents` signed as Slack signs it; times the HTTP ack."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, slack: SlackApiDouble,
                 run_id: str, text: str = "incidents") -> None:
        self._http = http
        self._url = f"{base_url}/slack/events"
        self._slack = slack
        self._run_id = run_id
        self._text = text
        self._verifier = SignatureVerifier(SIGNING_SECRET)

    async def __call__(self, i: int) -> RequestResult:
        body = urlencode({
            "token": "unused", "team_id": SlackApiDouble.TEAM_ID, "team_domain": "bench",
            "channel_id": "C0LOADHQ", "channel_name": "hq", "user_id": COORDINATOR_SLACK,
            "user_name": "bench", "command": "/cms", "text": self._text,
            "api_app_id": "A0BENCH", "response_url": self._slack.response_url(f"cmd-{i}"),
            # The app remembers trigger ids to drop Slack's retries: each command its own.
            "trigger_id": f"{self._run_id}.{i}.bench"})
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": self._verifier.generate_signature(timestamp=timestamp,
                                                                          body=body)}
        started = time.perf_counter()
        try:
            async with self._http.post(self._url, data=body, headers=headers) as answer:
                text = await answer.text()
                error = "" if answer.status == 200 else text[:200]
                return RequestResult(i, started, time.perf_counter() - started, answer.status,
                                     error)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RequestResult(i, started, time.perf_counter() - started, 0, repr(exc))
