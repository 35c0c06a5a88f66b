"""Twilio webhooks: every request is verified against CMSBOT_PUBLIC_URL, with no weaker fallback."""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

from aiohttp import web
from twilio.request_validator import RequestValidator

from alerts.delivery_states import DeliveryStatus, from_twilio
from handlers import keys

log = logging.getLogger(__name__)
# A status that means the message did not reach its person: escalate now, not later.
NOT_REACHED = frozenset({DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED})
MAX_FORM_BYTES = 32 * 1024
# What twilio's MessagingResponse prints, written out: building an XML tree for one element
# cost a tenth of a reply's time. tests/handlers checks the two stay byte for byte the same.
_TWIML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_TWIML_EMPTY = _TWIML_HEAD + "<Response />"


async def verified_form(request: web.Request) -> dict[str, str]:
    """The webhook's form fields, or 403 when the X-Twilio-Signature does not check out."""
    settings = request.app[keys.SETTINGS]
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM_BYTES,
                                            actual_size=request.content_length)
    if request.content_type != "application/x-www-form-urlencoded":
        # Twilio only ever posts urlencoded forms; anything else is not Twilio.
        raise web.HTTPUnsupportedMediaType(text="webhooks are application/x-www-form-urlencoded")
    try:
        form = {key: str(value) for key, value in (await request.post()).items()}
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not a readable form") from None
    signature = request.headers.get("X-Twilio-Signature", "")
    if settings.twilio_auth_token is None or settings.public_url is None:
        log.warning("refused a Twilio webhook: TWILIO_AUTH_TOKEN or CMSBOT_PUBLIC_URL is not set")
        raise web.HTTPForbidden(text="webhook verification is not configured")
    url = settings.public_url + request.path_qs
    validator = RequestValidator(settings.twilio_auth_token.reveal())
    if not signature or not validator.validate(url, form, signature):
        log.warning("refused a Twilio webhook to %s with a %s signature", request.path,
                    "wrong" if signature else "missing")
        raise web.HTTPForbidden(text="invalid Twilio signature")
    return form


async def status_callback(request: web.Request) -> web.Response:
    """A delivery status from Twilio: stored if it moves the delivery forward."""
    form = await verified_form(request)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "").lower()
    if not sid or not status:
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    moved = await request.app[keys.DELIVERIES].record_status(
        sid, status, form.get("ErrorCode") or None, request.app[keys.CLOCK]())
    log.info("status %s for %s%s", status, sid, "" if moved else " (no change)")
    if moved and from_twilio(status) in NOT_REACHED:
        # A staff alert that did not reach its person: escalate now rather than wait.
        await request.app[keys.SERVICES].escalator.delivery_failed_by_provider_id(sid)
    return web.Response(status=204)


async def inbound_sms(request: web.Request) -> web.Response:
    """An SMS to one of our numbers: act on it and answer with TwiML at once."""
    form = await verified_form(request)
    reply = await request.app[keys.SERVICES].sms_inbox.handle(form)
    return web.Response(text=twiml(reply), content_type="text/xml")


def twiml(reply: str | None) -> str:
    """The TwiML answer: one message with `reply`, or nothing to send."""
    if not reply:
        return _TWIML_EMPTY
    return f"{_TWIML_HEAD}<Response><Message>{escape(reply)}</Message></Response>"
