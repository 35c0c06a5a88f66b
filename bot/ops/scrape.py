"""What `GET /metrics` reads per scrape: counts from the database, queues from Redis.

What the web process measures itself (webhook latency) is not read here: it lives in the
app's registry (handlers.timing, bot.ops.metrics).

Each source is read on its own within a timeout: one that is down costs its own families only
and says so in `cmsbot_scrape_error{source}`, so the scrape still answers. Only counts and our
own labels (kinds, statuses, queues) leave here: never a phone number or a name.

The readings are async (the database) and blocking (Redis, in a thread), which a collector's
`collect()` cannot be: they are read first, then exposed as a `Readings` collector that only
hands back what was read. Each scrape gets its own, so concurrent scrapes share nothing.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.delivery_states import UNSENT
from alerts.feeds import FeedState
from alerts.sites import Notify
from alerts.states import IncidentStatus
from bot.ops.metrics import le
from bot.queue.connection import QUEUES, queue
from bot.queue.rq_internals import WORKERS_KEY, queue_keys
from bot.store import feeds, stats

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds per source; Prometheus waits 10 s for a scrape by default
ACK_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0)
# Timeline actions written by bot.services.escalation for a step that told someone new.
ESCALATIONS = {**{f"escalated to {to}": "alert" for to in get_args(Notify)},
               "follow-up escalated": "followup"}
CHECKOUT_OVERDUE, SUPPORT = "check-out overdue", "need support"
Key = tuple[str, ...]  # label values, in the order of the family's label names


@dataclass(frozen=True)
class Readings:
    """One scrape's families, already read: a collector for `bot.ops.metrics.exposition`."""

    families: tuple[Metric, ...]

    def collect(self) -> Iterable[Metric]:
        """The families read, in the order read."""
        return self.families


async def read(engine: AsyncEngine, connection: redis.Redis, now: datetime,
               sources: Collection[str] = ()) -> Readings:
    """Every family read from outside this process, the database and Redis side by side;
    `sources`: the incident sources the sites file watches."""
    database, queues = await asyncio.gather(_database(engine, now, sources), _redis(connection))
    return Readings((
        _gauge("cmsbot_build_info", "The running cmsbot version.", ["version"],
               {(_version(),): 1.0}),
        _gauge("cmsbot_scrape_error",
               "1 when this scrape could not read the source; its families are missing.", ["source"],
               {("database",): float(database is None), ("redis",): float(queues is None)}),
        *(database or []), *(queues or []),
    ))


def _gauge(name: str, help_text: str, labels: Sequence[str], values: Mapping[Key, float]) -> Metric:
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(key, value)
    return family


def _counter(name: str, help_text: str, labels: Sequence[str], values: Mapping[Key, float]) -> Metric:
    family = CounterMetricFamily(name, help_text, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(key, value)
    return family


async def _database(engine: AsyncEngine, now: datetime,
                    sources: Collection[str]) -> list[Metric] | None:
    try:
        async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
            deliveries = await stats.delivery_counts(conn)
            incidents = await stats.incident_counts(conn)
            actions = await stats.action_counts(conn, [*ESCALATIONS, CHECKOUT_OVERDUE, SUPPORT])
            acks = await stats.time_to_ack(conn, ACK_BUCKETS)
            heard = await feeds.states(conn) if sources else {}
    except (TimeoutError, SQLAlchemyError, OSError) as exc:
        log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
        return None
    buckets = [(le(bound), float(seen)) for bound, seen in zip(acks.bounds, acks.cumulative,
                                                               strict=True)]
    return [*_delivery_families(deliveries, now), *_incident_families(incidents),
            *_action_families(actions),
            *_source_families(heard, sources, now),
            HistogramMetricFamily(
                "cmsbot_time_to_ack_seconds",
                "Seconds from a shooting's arrival to each alerted team's first acknowledgement.",
                buckets=[*buckets, ("+Inf", float(acks.count))], sum_value=acks.total)]


def _delivery_families(counts: list[stats.DeliveryCount], now: datetime) -> list[Metric]:
    oldest: dict[Key, datetime] = {}
    for row in counts:
        if row.status in UNSENT:
            key = (row.channel, row.kind)
            oldest[key] = min(oldest.get(key, row.oldest), row.oldest)
    return [
        _gauge("cmsbot_deliveries", "Deliveries (SMS, Slack posts) by channel, status and kind.",
               ["channel", "kind", "status"],
               {(r.channel, r.kind, r.status): r.count for r in counts}),
        _gauge("cmsbot_oldest_unsent_delivery_age_seconds",
               "Age of the oldest delivery not yet handed to its provider, by channel and kind.",
               ["channel", "kind"],
               {key: max((now - at).total_seconds(), 0.0) for key, at in oldest.items()}),
    ]


def _incident_families(counts: dict[tuple[str, str], int]) -> list[Metric]:
    # Shootings always show, at 0 too: an alert rule can tell "none" from "not scraped".
    open_: dict[Key, float] = defaultdict(float, {("shooting",): 0.0})
    unacknowledged: dict[Key, float] = defaultdict(float, {("shooting",): 0.0})
    for (kind, status), count in counts.items():
        open_[(kind,)] += count if status not in (IncidentStatus.CLOSED,
                                                  IncidentStatus.CANCELLED,
                                                  IncidentStatus.MERGED) else 0
        unacknowledged[(kind,)] += count if status == IncidentStatus.OPEN else 0
    return [_gauge("cmsbot_open_incidents", "Incidents not closed, by kind.", ["kind"], open_),
            _gauge("cmsbot_unacknowledged_incidents",
                   "Open incidents that nobody has acknowledged yet, by kind.", ["kind"],
                   unacknowledged)]


def _source_families(heard: Mapping[str, FeedState], sources: Collection[str],
                     now: datetime) -> list[Metric]:
    if not sources:
        return []
    # A source never heard from counts from when cmsbot first saw it listed.
    return [_gauge("cmsbot_source_last_seen_seconds",
                   "Seconds since each watched incident source was last heard from.",
                   ["source"], {(name,): max((now - state.counted_from).total_seconds(), 0.0)
                                for name, state in heard.items() if name in sources})]


def _action_families(counts: dict[str, int]) -> list[Metric]:
    by_chain: dict[Key, float] = defaultdict(float, {("alert",): 0.0, ("followup",): 0.0})
    for action, chain in ESCALATIONS.items():
        by_chain[(chain,)] += counts.get(action, 0)
    return [
        _counter("cmsbot_escalations_total",
                 "Escalation steps fired: an unacknowledged alert or an unanswered follow-up told "
                 "the next people.", ["chain"], by_chain),
        _counter("cmsbot_checkouts_overdue_total",
                 "Times a member on scene did not check out safe in time and the supervisor was told.",
                 [], {(): counts.get(CHECKOUT_OVERDUE, 0)}),
        _counter("cmsbot_support_requests_total", "NEED support requests from the field.", [],
                 {(): counts.get(SUPPORT, 0)}),
    ]


async def _redis(connection: redis.Redis) -> list[Metric] | None:
    try:
        async with asyncio.timeout(TIMEOUT):
            depth, scheduled, failed, workers = await asyncio.to_thread(_queue_counts, connection)
    except (TimeoutError, redis.RedisError, OSError) as exc:
        log.warning("metrics: Redis could not be read (%s)", type(exc).__name__)
        return None
    return [
        _gauge("cmsbot_queue_depth", "Jobs waiting in each rq queue.", ["queue"], depth),
        _gauge("cmsbot_scheduled_jobs",
               "Jobs scheduled for later (escalations, follow-ups, takedown steps), by queue.",
               ["queue"], scheduled),
        _gauge("cmsbot_failed_jobs", "Jobs in each queue's failed registry.", ["queue"], failed),
        _gauge("cmsbot_workers", "rq workers alive (heartbeat not expired).", [], {(): workers}),
    ]


def _queue_counts(connection: redis.Redis) -> tuple[dict[Key, float], dict[Key, float],
                                                    dict[Key, float], float]:
    # Plain LLEN/ZCARD in one round trip: rq's own `count` on a registry cleans it up first,
    # which writes, and a scrape must not.
    pipe = connection.pipeline(transaction=False)
    for name in QUEUES:
        keys = queue_keys(queue(connection, name))
        pipe.llen(keys.waiting)
        pipe.zcard(keys.scheduled)
        pipe.zcard(keys.failed)
    pipe.smembers(WORKERS_KEY)
    *counts, members = pipe.execute()
    # A killed worker stays in the set until rq cleans it up; its heartbeat key expires sooner.
    alive = connection.exists(*members) if members else 0
    per_queue: list[dict[Key, float]] = [
        {(name,): float(n) for name, n in zip(QUEUES, counts[i::3], strict=True)} for i in range(3)]
    return per_queue[0], per_queue[1], per_queue[2], float(alive)


@functools.cache
def _version() -> str:
    try:
        return importlib.metadata.version("cmsbot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
