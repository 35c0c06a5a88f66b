"""What the replies benchmark sends: members' signed SMS replies and signed `/cms` commands.

Each send returns a `RequestResult`; a request that raises is a failed request, not a crash.
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.harness import SIGNING_SECRET, RequestResult
from bench.ledger import ReplyLedger
from bench.load_traffic import AlertBook
from tests.doubles import SlackApiDouble

COORDINATOR_SLACK = "U0BENCHCO1"  # the coordinator who types `/cms incidents`


class SmsReplier:
    """Sends reply `j`: a signed inbound SMS from an alerted member about one of their alerts.

    Half acknowledge ("12A": the first one acts, the rest hear it was done), half add a note
    ("12N note j": a timeline event and a Slack redraw each), so both paths are timed.
    """

    def __init__(self, ledger: ReplyLedger, book: AlertBook, rng: random.Random) -> None:
        self.ledger = ledger
        self._rng = rng
        self._alerts = [(phone, n) for phone, numbers in book.numbers.items() for n in numbers]

    async def __call__(self, j: int) -> RequestResult:
        phone, number = self._rng.choice(self._alerts)
        body = f"{number}A" if self._rng.random() < 0.5 else f"{number}N note {j}"
        return await self.ledger.send(j, phone, body)


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
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
        started = time.perf_counter()
        try:
            async with self._http.post(self._url, data=body, headers=headers) as answer:
                text = await answer.text()
                error = "" if answer.status == 200 else text[:200]
                return RequestResult(i, started, time.perf_counter() - started, answer.status,
                                     error)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RequestResult(i, started, time.perf_counter() - started, 0, repr(exc))
