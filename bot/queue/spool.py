"""Where a webhook keeps what it could not store because the database is down: a Redis list.

An inbound SMS is never acted on from here: the worker's reconcile moves each spooled form
into the database once it answers again (as the webhook would have kept it) and queues it to be
answered. Forms are spooled as Twilio sent them, after their signature was checked.
"""

from __future__ import annotations

import json

import redis

INBOUND_SPOOL = "cmsbot:spool:inbound"


def spool_inbound(connection: redis.Redis, form: dict[str, str], received_at: float) -> None:
    """Keep a verified inbound SMS form until the database can take it (blocking)."""
    connection.lpush(INBOUND_SPOOL, json.dumps({"form": form, "received_at": received_at}))


def take_inbound(connection: redis.Redis, count: int) -> list[dict[str, str]]:
    """The oldest spooled forms, removed from the spool (give them back with `spool_inbound`
    if they cannot be stored yet)."""
    raw: list[bytes] | None = connection.rpop(INBOUND_SPOOL, count)  # type: ignore[assignment]
    entries = [json.loads(item) for item in raw or []]
    return [{str(k): str(v) for k, v in entry["form"].items()} for entry in entries]


def spooled(connection: redis.Redis) -> int:
    """How many inbound SMS wait in the spool."""
    return int(connection.llen(INBOUND_SPOOL))
