"""Errors as clients see them: a short JSON body, never a stack trace or internals.

Only a database or Redis that cannot be reached is a 503 with Retry-After (the request can be
sent again as it is), logged in one line. Anything else unexpected is a bug: a 500 with an id,
and the traceback under that id in the log, so that a bug never passes for an outage.
"""

from __future__ import annotations

import logging
import traceback
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.config.logs import redact_phones
from bot.queue.connection import redis_unreachable
from bot.store.outage import database_unreachable, driver_code

log = logging.getLogger(__name__)
RETRY_AFTER = "5"


def unreachable_service(exc: BaseException) -> str | None:
    """Which backing service `exc` says cannot be reached now ("Redis", "the database"), or
    None when it is no outage."""
    if redis_unreachable(exc):
        return "Redis"
    if database_unreachable(exc):
        return "the database"
    return None


def logged_path(request: web.Request) -> str:
    """The request's path as a log may show it: a route whose path holds a credential (a
    calendar link's secret) shows its pattern instead."""
    canonical = request.match_info.route.resource.canonical if request.match_info.route.resource \
        else ""
    return canonical if "{secret}" in canonical else request.path


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn failures into short JSON answers: 503 for an outage, 500 with an id for a bug."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        service = unreachable_service(exc)
        if service is None:
            return _internal_error(request, exc)
        # The type and driver code only: an error's text can name a host, a user or a URL.
        code = driver_code(exc)
        log.error("%s %s: %s is unreachable (%s%s); answered 503", request.method,
                  logged_path(request), service, type(exc).__name__, f" {code}" if code else "")
        return web.json_response({"error": "temporarily unavailable; retry shortly"},
                                 status=503, headers={"Retry-After": RETRY_AFTER})


def _internal_error(request: web.Request, exc: Exception) -> web.Response:
    reference = uuid.uuid4().hex[:12]
    # Formatted and redacted here rather than left to the handlers' formatter: SQLAlchemy puts
    # a statement's parameters (phone numbers among them) into the error's text, and this line
    # must be safe in any sink, not only in the ones logs.configure() sets up.
    trace = redact_phones("".join(traceback.format_exception(exc)).rstrip())
    log.error("%s %s failed (error id %s)\n%s", request.method, logged_path(request), reference,
              trace)
    return web.json_response({"error": "internal error", "id": reference}, status=500)
