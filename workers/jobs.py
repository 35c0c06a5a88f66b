"""rq job functions: importable, taking plain ids, reloading state from the database."""

from __future__ import annotations

from rq import Retry

from workers.context import current_settings, open_job_context
from workers.delivery import deliver

# Our own attempt count (in the database) decides when to give up; rq's cap is only a backstop.
_RQ_RETRY_CAP = 100


async def send_delivery(key: str) -> Retry | None:
    """Send one delivery (SMS or Slack post) unless it went already; rq reschedules on Retry."""
    settings = current_settings()
    async with open_job_context(settings) as ctx:
        again = await deliver(ctx, key, settings.retry_backoff)
    if again is None:
        return None
    return Retry(max=_RQ_RETRY_CAP, interval=max(int(again.delay.total_seconds()), 0))
