"""What `GET /metrics` shows: counts from the database, queues from Redis, timings from this process.

Each source is read on its own within a timeout: one that is down costs its own families only
and says so in `cmsbot_scrape_error{source}`, so the scrape still answers. Only counts and our
own labels (kinds, statuses, queues, routes) leave here: never a phone number or a name.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import logging
from collections import defaultdict
from datetime import datetime
from typing import get_args

import redis
from rq.worker_registration import REDIS_WORKER_KEYS
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.sites import Notify
from bot.ops.metrics import Family, Histogram, Labels, Sample, family, histogram_samples, labels
from bot.queue.connection import QUEUES, queue
from bot.store import stats

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds per source; Prometheus waits 10 s for a scrape by default
ACK_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0)
UNSENT = ("pending", "retry", "unsure", "sending")
# Timeline actions written by bot.services.escalation for a step that told someone new.
ESCALATIONS = {**{f"escalated to {to}": "alert" for to in get_args(Notify)},
               "follow-up escalated": "followup"}
CHECKOUT_OVERDUE, SUPPORT = "check-out overdue", "need support"


async def collect(engine: AsyncEngine, connection: redis.Redis, webhooks: Histogram,
                  now: datetime) -> list[Family]:
    """Every family, the database and Redis read side by side."""
    database, queues = await asyncio.gather(_database(engine, now), _redis(connection))
    errors = {labels(source="database"): float(database is None),
              labels(source="redis"): float(queues is None)}
    return [
        family("cmsbot_build_info", "gauge", "The running cmsbot version.",
               {labels(version=_version()): 1.0}),
        family("cmsbot_scrape_error", "gauge",
               "1 when this scrape could not read the source; its families are missing.", errors),
        *(database or []), *(queues or []),
        webhooks.family("cmsbot_webhook_seconds",
                        "Time this web process took to answer a webhook, by route and status class."),
    ]


async def _database(engine: AsyncEngine, now: datetime) -> list[Family] | None:
    try:
        async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
            deliveries = await stats.delivery_counts(conn)
            incidents = await stats.incident_counts(conn)
            actions = await stats.action_counts(conn, [*ESCALATIONS, CHECKOUT_OVERDUE, SUPPORT])
            acks = await stats.time_to_ack(conn, ACK_BUCKETS)
    except (TimeoutError, SQLAlchemyError, OSError) as exc:
        log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
        return None
    return [*_delivery_families(deliveries, now), *_incident_families(incidents),
            *_action_families(actions),
            Family("cmsbot_time_to_ack_seconds", "histogram",
                   "Seconds from a shooting's arrival to each alerted team's first acknowledgement.",
                   histogram_samples("cmsbot_time_to_ack_seconds", acks.bounds, acks.cumulative,
                                     acks.total, acks.count))]


def _delivery_families(counts: list[stats.DeliveryCount], now: datetime) -> list[Family]:
    oldest: dict[Labels, datetime] = {}
    for row in counts:
        if row.status in UNSENT:
            key = labels(channel=row.channel, kind=row.kind)
            oldest[key] = min(oldest.get(key, row.oldest), row.oldest)
    return [
        family("cmsbot_deliveries", "gauge", "Deliveries (SMS, Slack posts) by channel, status and kind.",
               {labels(channel=r.channel, status=r.status, kind=r.kind): r.count for r in counts}),
        family("cmsbot_oldest_unsent_delivery_age_seconds", "gauge",
               "Age of the oldest delivery not yet handed to its provider, by channel and kind.",
               {key: max((now - at).total_seconds(), 0.0) for key, at in oldest.items()}),
    ]


def _incident_families(counts: dict[tuple[str, str], int]) -> list[Family]:
    # Shootings always show, at 0 too: an alert rule can tell "none" from "not scraped".
    open_: dict[Labels, float] = defaultdict(float, {labels(kind="shooting"): 0.0})
    unacknowledged: dict[Labels, float] = defaultdict(float, {labels(kind="shooting"): 0.0})
    for (kind, status), count in counts.items():
        open_[labels(kind=kind)] += count if status != "closed" else 0
        unacknowledged[labels(kind=kind)] += count if status == "open" else 0
    return [family("cmsbot_open_incidents", "gauge", "Incidents not closed, by kind.", open_),
            family("cmsbot_unacknowledged_incidents", "gauge",
                   "Open incidents that nobody has acknowledged yet, by kind.", unacknowledged)]


def _action_families(counts: dict[str, int]) -> list[Family]:
    by_chain: dict[Labels, float] = defaultdict(float, {labels(chain="alert"): 0.0,
                                                        labels(chain="followup"): 0.0})
    for action, chain in ESCALATIONS.items():
        by_chain[labels(chain=chain)] += counts.get(action, 0)
    return [
        family("cmsbot_escalations_total", "counter",
               "Escalation steps fired: an unacknowledged alert or an unanswered follow-up told "
               "the next people.", by_chain),
        Family("cmsbot_checkouts_overdue_total", "counter",
               "Times a member on scene did not check out safe in time and the supervisor was told.",
               [Sample("cmsbot_checkouts_overdue_total", (), counts.get(CHECKOUT_OVERDUE, 0))]),
        Family("cmsbot_support_requests_total", "counter", "NEED support requests from the field.",
               [Sample("cmsbot_support_requests_total", (), counts.get(SUPPORT, 0))]),
    ]


async def _redis(connection: redis.Redis) -> list[Family] | None:
    try:
        async with asyncio.timeout(TIMEOUT):
            depth, scheduled, failed, workers = await asyncio.to_thread(_queue_counts, connection)
    except (TimeoutError, redis.RedisError, OSError) as exc:
        log.warning("metrics: Redis could not be read (%s)", type(exc).__name__)
        return None
    return [
        family("cmsbot_queue_depth", "gauge", "Jobs waiting in each rq queue.", depth),
        family("cmsbot_scheduled_jobs", "gauge",
               "Jobs scheduled for later (escalations, follow-ups, takedown steps), by queue.",
               scheduled),
        family("cmsbot_failed_jobs", "gauge", "Jobs in each queue's failed registry.", failed),
        Family("cmsbot_workers", "gauge", "rq workers alive (heartbeat not expired).",
               [Sample("cmsbot_workers", (), workers)]),
    ]


def _queue_counts(connection: redis.Redis) -> tuple[dict[Labels, float], dict[Labels, float],
                                                    dict[Labels, float], float]:
    # Plain LLEN/ZCARD in one round trip: rq's own `count` on a registry cleans it up first,
    # which writes, and a scrape must not.
    pipe = connection.pipeline(transaction=False)
    for name in QUEUES:
        target = queue(connection, name)
        pipe.llen(target.key)
        pipe.zcard(target.scheduled_job_registry.key)
        pipe.zcard(target.failed_job_registry.key)
    pipe.smembers(REDIS_WORKER_KEYS)
    *counts, members = pipe.execute()
    # A killed worker stays in the set until rq cleans it up; its heartbeat key expires sooner.
    alive = connection.exists(*members) if members else 0
    per_queue = [dict(zip([labels(queue=name) for name in QUEUES], counts[i::3], strict=True))
                 for i in range(3)]
    return per_queue[0], per_queue[1], per_queue[2], float(alive)


@functools.cache
def _version() -> str:
    try:
        return importlib.metadata.version("cmsbot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
