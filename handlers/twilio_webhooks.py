"""Twilio webhooks: every request is verified against CMSBOT_PUBLIC_URL, with no weaker fallback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar
from xml.sax.saxutils import escape

from aiohttp import web
from twilio.request_validator import RequestValidator

from alerts.states import AnsweredVia
from alerts.twilio_fields import Webhook, refusal
from bot.queue.connection import enqueue_status, redis_unreachable
from bot.queue.handoff import Work, hand_off
from bot.queue.spool import spool_inbound
from bot.services.sms_inbox import SmsInbox, TooLate
from bot.store.outage import database_unreachable
from handlers import keys

log = logging.getLogger(__name__)
T = TypeVar("T")
# What the SMS webhook did not answer itself: left for the workers' drain from the start (no
# free slot), too late to commit in its budget, or cancelled or failed mid-answer (`within`).
LEFT, TOO_LATE, DEFERRED = object(), object(), object()
# After its budget an attempt commits nothing (the answer checks its deadline before committing);
# this much later it is cancelled outright (stuck waiting on the database or a lock).
CANCEL_GRACE = 2.0
MAX_FORM_BYTES = 32 * 1024  # what handlers/bodies.py lets through to these routes
# What twilio's MessagingResponse prints, written out: building an XML tree for one element
# cost a tenth of a reply's time. tests/handlers checks the two stay byte for byte the same.
_TWIML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_TWIML_EMPTY = _TWIML_HEAD + "<Response />"


async def verified_form(request: web.Request, webhook: Webhook) -> dict[str, str]:
    """The webhook's form fields, or 403 when the X-Twilio-Signature does not check out or the
    form is not one Twilio sends (a captured request re-cut under the same signature)."""
    settings = request.app[keys.SETTINGS]
    if request.content_type != "application/x-www-form-urlencoded":
        # Twilio only ever posts urlencoded forms; anything else is not Twilio.
        raise web.HTTPUnsupportedMediaType(text="webhooks are application/x-www-form-urlencoded")
    try:
        posted = await request.post()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not a readable form") from None
    form = {key: str(value) for key, value in posted.items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    account_sid, token = request.app[keys.TWILIO_AUTH]
    base = settings.public_url
    if base is None and settings.twilio_auth_token is None:
        # The outbox default, answered by `cmsbot sms` with the local token: no provider
        # stands between, so the URL it signs is the one it asked for (the demo picks a free
        # port; 127.0.0.1 and localhost both reach it).
        base = f"{request.scheme}://{request.host}"
    if base is None:
        log.warning("refused a Twilio webhook: CMSBOT_PUBLIC_URL is not set")
        raise web.HTTPForbidden(text="webhook verification is not configured")
    url = base + request.path_qs
    validator = RequestValidator(token.reveal())
    if not signature or not validator.validate(url, form, signature):
        log.warning("refused a Twilio webhook to %s with a %s signature", request.path,
                    "wrong" if signature else "missing")
        raise web.HTTPForbidden(text="invalid Twilio signature")
    # Checked before anything is kept or acted on. Twilio never repeats a field of these
    # webhooks, and the form below keeps one value per field: a repeated one is refused too.
    # With a token but no TWILIO_ACCOUNT_SID (only a Settings built by hand: from_env asks for
    # it with the token) any well-formed AccountSid is taken.
    reason = ("a field is repeated" if len(form) != len(posted)
              else refusal(form, webhook, account_sid))
    if reason is not None:
        log.warning("refused a signed Twilio webhook to %s: %s (a re-cut or forged request)",
                    request.path, reason)
        raise web.HTTPForbidden(text="not a Twilio webhook")
    return form


async def status_callback(request: web.Request) -> web.Response:
    """A delivery status from Twilio: stored if it moves the delivery forward.

    Applied here when there is room and time; otherwise (no free slot, the budget spent, or the
    database away) a worker applies it, and Twilio still gets its 204 at once.
    """
    form = await verified_form(request, "status")
    return await apply_status(request, form["MessageSid"], form["MessageStatus"],
                              form.get("ErrorCode") or None)


async def apply_status(request: web.Request, sid: str, status: str,
                       code: str | None) -> web.Response:
    """Apply a verified message or call status, here or (no room, no time) in a worker."""
    app = request.app
    async with app[keys.ADMISSION].inline("twilio-status") as free:
        applied = free and await within(app[keys.SETTINGS].reply_budget,
                                        _try_status(app, sid, status, code))
    if applied is not True:
        await asyncio.to_thread(enqueue_status, app[keys.REDIS], sid, status, code)
        app[keys.ADMISSION].deferred("status")
    return web.Response(status=204)


async def _try_status(app: web.Application, sid: str, status: str, code: str | None) -> bool:
    try:
        await app[keys.SERVICES].status_callbacks.apply(sid, status, code)
        return True  # applied, whether or not it moved the delivery
    except Exception as exc:
        if database_unreachable(exc):
            return False  # a worker applies it once the database answers
        raise


async def inbound_sms(request: web.Request) -> web.Response:
    """An SMS to one of our numbers: kept first, then answered with TwiML within the budget,
    or with empty TwiML at once and later by SMS when acting on it must wait for a worker."""
    form = await verified_form(request, "sms")
    app = request.app
    inbox, budget = app[keys.SERVICES].sms_inbox, app[keys.SETTINGS].reply_budget
    async with app[keys.ADMISSION].inline("twilio-sms") as free:
        try:
            # With no free slot it is kept as left for a worker: nothing more to write.
            kept = await app[keys.INBOUND_KEEPER].keep(form, deferred=not free)
        except Exception as exc:
            if not database_unreachable(exc):
                raise
            await _spool(request, form)
            raise
        if not kept.fresh:
            return _twiml_response(kept.earlier_twiml())  # a retry: the first answer, or none
        sid = kept.message.sid
        outcome = await within(budget, _answer(inbox, sid, budget)) if free else LEFT
    if outcome is LEFT or outcome is TOO_LATE or outcome is DEFERRED:
        # Left for the workers' drain (the keeper asked for one already when it kept it as
        # deferred); one cancelled or failed mid-answer gets a job of its own, which also sends
        # a reply its attempt may have committed as it was cancelled.
        if outcome is TOO_LATE:
            await _defer(inbox, sid)
        if outcome is not LEFT:
            work = Work(drain=True) if outcome is TOO_LATE else Work(inbound=[sid])
            await hand_off(app[keys.REDIS], work, app[keys.CLOCK]())
        app[keys.ADMISSION].deferred("sms")
        return _twiml_response(None)
    return _twiml_response(outcome if isinstance(outcome, str) else None)


async def _answer(inbox: SmsInbox, sid: str, budget: float) -> str | object | None:
    deadline = asyncio.get_running_loop().time() + budget
    try:
        return await inbox.answer(sid, AnsweredVia.TWIML, deadline)
    except TooLate:
        return TOO_LATE
    except Exception as exc:
        # Kept already: a database or Redis away now means a worker answers later, not a 503.
        if database_unreachable(exc) or redis_unreachable(exc):
            log.warning("inbound %s: %s while answering; a worker will answer it",
                        sid, type(exc).__name__)
            return DEFERRED
        raise


async def _defer(inbox: SmsInbox, sid: str) -> None:
    try:
        await inbox.defer(sid)
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        # Still received: reconcile gives it a job once its grace has passed.


async def within(seconds: float, work: Awaitable[T]) -> T | object:
    """`work`'s result, or DEFERRED when it has not finished a little after `seconds` (it is
    cancelled then: a transaction still open rolls back)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=seconds + CANCEL_GRACE)
    if not done:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            return await task  # it may have finished as it was cancelled
        return DEFERRED
    return task.result()


async def _spool(request: web.Request, form: dict[str, str]) -> None:
    """The database is down: keep the verified form in Redis for the worker to store later."""
    try:
        await asyncio.to_thread(spool_inbound, request.app[keys.REDIS], form,
                                request.app[keys.CLOCK]().timestamp())
        log.error("inbound %s: the database is unreachable; kept in the Redis spool",
                  form.get("MessageSid", "?"))
    except Exception as exc:
        if not redis_unreachable(exc):
            raise
        # Twilio's own message log keeps it (GET /Messages/{sid}): say which to fetch.
        log.error("inbound %s: the database and Redis are unreachable; fetch it from Twilio's "
                  "message log", form.get("MessageSid", "?"))


def _twiml_response(reply: str | None) -> web.Response:
    return web.Response(text=twiml(reply), content_type="text/xml")


def twiml(reply: str | None) -> str:
    """The TwiML answer: one message with `reply`, or nothing to send."""
    if not reply:
        return _TWIML_EMPTY
    return f"{_TWIML_HEAD}<Response><Message>{escape(reply)}</Message></Response>"
