"""rq job functions: importable, taking plain ids, reloading state from the database.

Each is a plain function that runs its coroutine through `run_job`, on the worker's long-lived
loop when it has one; rq's own per-job event loop would reopen every connection each time.
"""

from __future__ import annotations

import logging

from rq import Retry

from workers.context import JobContext, run_job
from workers.delivery import Again, Failed, deliver
from workers.fanout import send_batch as fan_out
from workers.posts import catch_up, refresh

log = logging.getLogger(__name__)

# Our own attempt count (in the database) decides when to give up; rq's cap is only a backstop.
_RQ_RETRY_CAP = 100


def send_delivery(key: str) -> Retry | None:
    """Send one delivery (SMS or Slack post) unless it went already; rq reschedules on Retry."""

    async def work(ctx: JobContext) -> Retry | None:
        result = await deliver(ctx, key, ctx.runtime.settings.retry_backoff)
        if isinstance(result, Failed):
            # A staff alert that never reached its person: the next escalation step, now.
            await ctx.services.escalator.delivery_failed(key)
        elif result is None:
            await catch_up(ctx, key)
        if isinstance(result, Again):
            return Retry(max=_RQ_RETRY_CAP, interval=max(int(result.delay.total_seconds()), 0))
        return None

    return run_job(work)


def run_chain_step(chain_id: int, step: int) -> str:
    """Run one escalation, follow-up or check-out step if it is still due and unanswered."""

    async def work(ctx: JobContext) -> str:
        return await ctx.services.escalator.run_step(chain_id, step)

    outcome = run_job(work)
    log.info("chain %d step %d: %s", chain_id, step, outcome)
    return outcome


def refresh_posts(incident_id: str) -> Retry | None:
    """Redraw the incident's Slack posts from the current state (chat.update)."""

    async def work(ctx: JobContext) -> Retry | None:
        wait = await refresh(ctx, incident_id)
        return Retry(max=10, interval=int(wait.total_seconds())) if wait is not None else None

    return run_job(work)


def run_takedown_step(step_id: int) -> str:
    """Send one post-takedown reminder if it is due and not sent yet."""

    async def work(ctx: JobContext) -> str:
        return await ctx.services.takedown_steps.run(step_id)

    outcome = run_job(work)
    log.info("takedown step %d: %s", step_id, outcome)
    return outcome


def send_batch(broadcast_id: int) -> Retry | None:
    """Send a broadcast's next messages for a couple of seconds; rq queues it again until done."""

    async def work(ctx: JobContext) -> Retry | None:
        again = await fan_out(ctx, broadcast_id)
        if again is None:
            return None
        return Retry(max=_RQ_RETRY_CAP * 10_000, interval=int(again.total_seconds()))

    return run_job(work)


def start_broadcast(broadcast_id: int) -> str:
    """Start a scheduled broadcast (an automatic area notice) once its time has come."""

    async def work(ctx: JobContext) -> str:
        return await ctx.services.broadcaster.start_scheduled(broadcast_id)

    return run_job(work)


def answer_inbound(sid: str) -> str:
    """Act on an inbound SMS its webhook left unanswered and send the reply as an SMS."""

    async def work(ctx: JobContext) -> str:
        return await ctx.services.sms_inbox.answer_later(sid)

    outcome = run_job(work)
    log.info("inbound %s: %s", sid, outcome)
    return outcome


def apply_status(provider_id: str, status: str, code: str | None) -> bool:
    """Apply a delivery status callback its webhook could not apply in time."""

    async def work(ctx: JobContext) -> bool:
        return await ctx.services.status_callbacks.apply(provider_id, status, code)

    return run_job(work)


# Then yield the worker, so a new shooting's alerts queued meanwhile wait a fraction of a second.
DRAIN_SECONDS = 0.25


def drain_inbound() -> Retry | None:
    """Answer the kept SMS left for a worker, oldest first, for about a second; rq runs it
    again at once while some are left."""

    async def work(ctx: JobContext) -> Retry | None:
        answered, more = await ctx.services.sms_inbox.answer_deferred(DRAIN_SECONDS)
        log.info("answered %d deferred SMS%s", answered, "; more to come" if more else "")
        return Retry(max=_RQ_RETRY_CAP * 10_000, interval=0) if more else None

    return run_job(work)
