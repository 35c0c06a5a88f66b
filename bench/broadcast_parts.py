"""The broadcast benchmark's parts: residents seeded straight into the database, the
coordinator's signed Slack clicks, the baseline's one job per message, and the arithmetic on
arrival times."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from slack_sdk.signature import SignatureVerifier

from alerts import resident_texts as texts
from alerts.outbound import Outbound, delivery_key
from bench.harness import SIGNING_SECRET
from bench.twilio_double import StampedTwilio
from bot.config.settings import Settings
from bot.queue.connection import connect, enqueue_sends
from bot.store.engine import open_engine
from bot.store.pages import insert_messages
from tests.doubles import SlackApiDouble
from tests.doubles.twilio_api import SentMessage

ZONE, LABEL = "nta:BK81", "Brownsville"  # an area of the sample sites file
COORDINATOR = "U0COORD1"  # Dana Reyes, a coordinator in the sample sites file
TEXT = "Cooling center open until 9pm at PS 156 on Livonia Ave"  # an area, never an address


def phone(n: int) -> str:
    """The n-th seeded resident's number (none of them a staff number of the sample sites)."""
    return f"+1929{2_000_000 + n:07d}"


async def seed_residents(database_url: str, count: int) -> list[str]:
    """`count` residents signed up for ZONE with a consent record each; their numbers."""
    now = datetime.now(UTC)
    phones = [phone(n) for n in range(count)]
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "residents", columns=["phone", "language", "created_at"],
            records=[(p, "en", now) for p in phones])
        await connection.copy_records_to_table(
            "resident_zones", columns=["phone", "zone", "label", "status", "keyword",
                                       "requested_at", "request_text", "confirmed_at",
                                       "confirm_text"],
            records=[(p, ZONE, LABEL, "active", "JOIN", now, f"JOIN {LABEL}", now, "YES")
                     for p in phones])
    finally:
        await connection.close()
    return phones


@dataclass
class Coordinator:
    """Dana at her keyboard: `/cms broadcast` and the Confirm button, signed like Slack."""

    http: aiohttp.ClientSession
    service_url: str
    slack: SlackApiDouble

    async def draft(self, text: str = TEXT) -> dict[str, object]:
        """Send `/cms broadcast ZONE text`; the Confirm button of the preview."""
        count = len(self.slack.responses)
        await self._post({"command": "/cms", "text": f"broadcast {ZONE} {text}",
                          "user_id": COORDINATOR, "trigger_id": f"bench-{time.time_ns()}",
                          "response_url": self.slack.response_url("preview")})
        preview = (await self.slack.wait_for_response(count + 1, timeout=30))[-1].body
        blocks = preview.get("blocks") or []
        if not blocks:
            raise RuntimeError(f"no broadcast preview, the answer was: {preview.get('text')}")
        button: dict[str, object] = blocks[-1]["elements"][0]
        return button

    async def confirm(self, button: dict[str, object]) -> None:
        """Press Confirm: the web process acks, then confirms and enqueues the batches."""
        payload = {"type": "block_actions", "user": {"id": COORDINATOR}, "team": {"id": "T0CMS"},
                   "trigger_id": f"bench-{time.time_ns()}",
                   "response_url": self.slack.response_url("confirm"),
                   "actions": [{**button, "action_ts": f"{time.time():.6f}"}]}
        await self._post({"payload": json.dumps(payload)})

    async def _post(self, fields: dict[str, str]) -> None:
        body = urlencode(fields)
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": str(SignatureVerifier(SIGNING_SECRET).generate_signature(
                       timestamp=stamp, body=body))}
        async with self.http.post(f"{self.service_url}/slack/events", data=body,
                                  headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"/slack/events answered {response.status}")


async def one_job_per_message(database_url: str, redis_url: str, phones: Sequence[str]) -> None:
    """The baseline: store a delivery per resident as a broadcast would, then enqueue one
    `send_delivery` job per delivery on the bulk queue (the same claim-send-record path)."""
    now = datetime.now(UTC)
    body = texts.broadcast(LABEL, TEXT, "en")
    messages = [Outbound(key=delivery_key("bench-baseline", "broadcast", "sms", p),
                         incident_id=None, kind="broadcast", channel="sms", recipient=p, body=body,
                         sender="resident") for p in phones]
    engine = open_engine(Settings(database_url=database_url).sqlalchemy_url, pooled=False)
    try:
        async with engine.begin() as conn:
            keys = await insert_messages(conn, messages, now)
    finally:
        await engine.dispose()
    # Blocking redis-py: off the loop, which also serves the Twilio double meanwhile.
    began = time.perf_counter()
    await asyncio.to_thread(_enqueue, redis_url, keys)
    print(f"  (the baseline's {len(keys)} jobs were enqueued in {time.perf_counter() - began:.1f} s)",
          flush=True)


def _enqueue(redis_url: str, keys: Sequence[str]) -> None:
    connection = connect(redis_url)
    try:
        enqueue_sends(connection, keys, queue_name="bulk")
    finally:
        connection.close()


async def wait_for_messages(twilio: StampedTwilio, first: int, count: int,
                            within: float) -> None:
    """Until the double accepted `count` messages from index `first` on, or `within` seconds."""
    deadline = time.perf_counter() + within
    said = time.perf_counter()
    while len(twilio.messages) - first < count:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {len(twilio.messages) - first} of {count} messages "
                               f"arrived within {within:.0f} s")
        if time.perf_counter() - said > 10:
            said = time.perf_counter()
            print(f"  {len(twilio.messages) - first}/{count} messages so far", flush=True)
        await asyncio.sleep(0.01)


def duplicates(messages: Sequence[SentMessage], phones: Sequence[str]) -> tuple[int, int]:
    """(residents who got nothing, extra copies) among `messages`."""
    got, wanted = Counter(m.to for m in messages), set(phones)
    missing = sum(1 for p in wanted if got[p] == 0)
    # A message to someone not in the list counts whole; a resident's second copy counts once.
    extra = sum(n if to not in wanted else n - 1 for to, n in got.items())
    return missing, extra


def most_in_window(stamps: Sequence[float], seconds: float = 1.0) -> int:
    """The most stamps in any window of `seconds` (a sliding window, not aligned seconds)."""
    most, low = 0, 0
    for high, stamp in enumerate(stamps):
        while stamp - stamps[low] > seconds:
            low += 1
        most = max(most, high - low + 1)
    return most


def burst_needed(stamps: Sequence[float], rate: float) -> float:
    """The smallest bucket (tokens, one per message) that would pass every stamp at `rate`:
    max over i <= j of (j - i + 1) - rate * (t_j - t_i). A provider with a bucket that size
    would have refused nothing."""
    best, low = 0.0, float("inf")
    for j, stamp in enumerate(stamps):
        low = min(low, j - rate * stamp)
        best = max(best, j - rate * stamp - low + 1)
    return best


async def wait_until_sent(database_url: str, batch: bool, within: float) -> None:
    """Until no broadcast delivery (`batch`) or no other delivery is still to be sent."""
    final = "('sent', 'delivered', 'undelivered', 'failed')"
    which = "batch_id IS NOT NULL" if batch else "batch_id IS NULL"
    deadline = time.perf_counter() + within
    connection = await asyncpg.connect(database_url)
    try:
        while await connection.fetchval(
                f"SELECT count(*) FROM deliveries WHERE {which} AND status NOT IN {final}"):  # noqa: S608
            if time.perf_counter() > deadline:
                raise TimeoutError(f"deliveries still unsent after {within:.0f} s")
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
