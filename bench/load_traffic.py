"""What the load benchmark sends: incidents to the ingest API and members' SMS replies.

Each send returns a `RequestResult`; a request that raises is a failed request, not a crash.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import aiohttp

from bench.harness import RequestResult
from bench.ledger import ReplyLedger
from bench.load_sites import LoadTeam
from tests.doubles import TwilioApiDouble
from tests.doubles.twilio_api import SentMessage

_ALERT_NUMBER = re.compile(r"^CMS ALERT #(\d+):")
# The incident's location is its only unique text in an SMS body, so it carries the index.
_LOCATION = re.compile(r"BENCH (\d{5}) AVE")


def location(index: int) -> str:
    """The street text of incident `index` (short, so an alert never has to shorten it)."""
    return f"BENCH {index:05d} AVE"


def incident_of(body: str) -> int | None:
    """The index of the incident an SMS body is about, from its location text."""
    found = _LOCATION.search(body)
    return int(found.group(1)) if found else None


def first_arrivals(messages: Sequence[SentMessage],
                   stamps: Sequence[float]) -> tuple[dict[int, float], int]:
    """When the first SMS about each incident arrived (`stamps[i]` is `messages[i]`'s); how many
    (incident, phone) pairs got two."""
    firsts: dict[int, float] = {}
    pairs: Counter[tuple[int, str]] = Counter()
    for message, stamp in zip(messages, stamps, strict=False):
        index = incident_of(message.body)
        if index is None:
            continue
        pairs[(index, message.to)] += 1
        firsts[index] = min(stamp, firsts.get(index, stamp))
    return firsts, sum(1 for n in pairs.values() if n > 1)


class IncidentPoster:
    """Posts incident `i` of a run to POST /api/incidents and times the answer.

    Its number (in the id, in the location text, and the key of `sent_at`) is `first + i`, so
    that several posters of one run cannot be confused in the SMS they cause.
    """

    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str, run_id: str,
                 points: Sequence[tuple[float, float]], first: int = 0) -> None:
        self.sent_at: dict[int, float] = {}
        self._http = http
        self._url = f"{base_url}/api/incidents"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._run_id = run_id
        self._points = points
        self._first = first

    def number(self, i: int) -> int:
        """The number incident `i` of this poster goes by."""
        return self._first + i

    async def __call__(self, i: int) -> RequestResult:
        lat, lon = self._points[i]
        n = self.number(i)
        payload = {"id": f"LOAD-{self._run_id}-{n:05d}",
                   "occurred_at": datetime.now(UTC).isoformat(), "lat": lat, "lon": lon,
                   "location": location(n), "victims": 1, "fatal": False}
        started = self.sent_at[n] = time.perf_counter()
        try:
            async with self._http.post(self._url, json=payload, headers=self._headers) as answer:
                text = await answer.text()
                error = "" if answer.ok else text[:200]
                return RequestResult(i, started, time.perf_counter() - started, answer.status, error)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RequestResult(i, started, time.perf_counter() - started, 0, repr(exc))


def first_sms_seconds(poster: IncidentPoster, results: Sequence[RequestResult],
                      messages: Sequence[SentMessage],
                      stamps: Sequence[float]) -> tuple[list[float], int]:
    """Per incident the poster got accepted, POST -> the first SMS about it; and how many of
    those nobody was texted about."""
    firsts, _ = first_arrivals(messages, stamps)
    numbers = [poster.number(r.index) for r in results if r.ok]
    seconds = [firsts[n] - poster.sent_at[n] for n in numbers if n in firsts]
    return seconds, len(numbers) - len(seconds)


class AlertBook:
    """Each member's alert numbers, read from the alerts the Twilio double accepted so far."""

    def __init__(self, twilio: TwilioApiDouble) -> None:
        self.numbers: dict[str, list[int]] = {}
        self._twilio = twilio
        self._read = 0

    def refresh(self) -> None:
        """Read the messages that arrived since the last refresh (the list only grows)."""
        messages = self._twilio.messages
        for message in messages[self._read:]:
            found = _ALERT_NUMBER.match(message.body)
            if found:
                self.numbers.setdefault(message.to, []).append(int(found.group(1)))
        self._read = len(messages)


class ReplySender:
    """Sends reply `j`: a signed inbound SMS from a member who was alerted, about their alert."""

    def __init__(self, ledger: ReplyLedger, twilio: TwilioApiDouble, teams: Sequence[LoadTeam],
                 rng: random.Random) -> None:
        self.ledger = ledger
        self._book = AlertBook(twilio)
        self._interrupters = [phone for team in teams for phone in team.interrupters]
        self._rng = rng

    def _choose(self, j: int) -> tuple[str, str]:
        self._book.refresh()
        if not self._book.numbers:
            # Nobody has an alert yet: a member asks what is open.
            return self._rng.choice(self._interrupters), "STATUS"
        phone = self._rng.choice(list(self._book.numbers))
        number = self._rng.choice(self._book.numbers[phone])
        return phone, f"{number}A" if self._rng.random() < 0.5 else f"{number}N note {j}"

    async def __call__(self, j: int) -> RequestResult:
        phone, body = self._choose(j)
        return await self.ledger.send(j, phone, body)
