"""Request bodies: read whole, within a deadline, before admission and before any handler.

aiohttp sets no deadline on a body: a client that declares 30 KB and sends a byte every few
seconds keeps its handler waiting for ever, and a few hundred of them starve the process. So
`read_bodies(deadline, registry)` reads every body at once, within `CMSBOT_BODY_DEADLINE`
seconds of its headers, outside admission (a slow client holds no slot of its route class) and
outside the error middleware (a client's fault is never taken for an outage). Handlers then
read it from memory: `request.read()`, `.post()`, `.text()` and `.json()` return what was read.

Refused, each counted in `cmsbot_refused_bodies_total{reason}` and logged in one WARNING line,
never as "a backing service is unavailable":

    413  too_large  a declared length over the route's limit, before a byte of it is read
    415  multipart  no route takes one (aiohttp would parse it from the spent stream)
    408  too_slow   not all sent by the deadline; the connection is closed after the answer
    400  cut_off    the client went away or broke its chunked framing mid-body

`cmsbot_reading_bodies` is how many bodies the process is waiting on now: slow clients show
there. Before the body, aiohttp bounds the request head itself: 8 KB a line, 128 header
fields, and the keep-alive timer (75 s from `web.run_app`), started as a connection opens,
closes one whose head never completes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Literal, NoReturn

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge

from bot.ops.metrics import register
from handlers.admission import INLINE, route_class
from handlers.twilio_webhooks import MAX_FORM_BYTES

log = logging.getLogger(__name__)
JSON = "application/json"
Reason = Literal["too_large", "multipart", "too_slow", "cut_off"]
REASONS: tuple[Reason, ...] = ("too_large", "multipart", "too_slow", "cut_off")


def body_limit(request: web.Request) -> int:
    """The most bytes a body to this request's route may have."""
    if route_class(request.method, _route(request)) in INLINE:
        return MAX_FORM_BYTES  # Twilio's webhooks are small forms
    return request.client_max_size


def read_bodies(deadline: float, registry: CollectorRegistry) -> Middleware:
    """The middleware that reads each request's body within `deadline` seconds, or refuses it."""
    reading = Gauge("cmsbot_reading_bodies",
                    "Request bodies this web process is waiting on now.", registry=None)
    refused = Counter("cmsbot_refused_bodies",
                      "Request bodies refused before any handler saw them, by reason.",
                      ["reason"], registry=None)
    for reason in REASONS:
        refused.labels(reason)  # at 0 from the start: "none" is not "not scraped"
    register(registry, reading)
    register(registry, refused)

    def refusal(request: web.Request, reason: Reason, why: str, **extra: int) -> str:
        refused.labels(reason).inc()
        # The route's own path, not the request's: a client picks the raw one, length and all.
        log.warning("refused a %s %s body from %s: %s", request.method,
                    _route(request) or "(no route)", request.remote, why)
        return json.dumps({"error": why, **extra})

    @web.middleware
    async def read_first(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:  # GETs, and POSTs with no body: nothing to wait for
            return await handler(request)
        limit, declared = body_limit(request), request.content_length
        if declared is not None and declared > limit:
            raise web.HTTPRequestEntityTooLarge(
                max_size=limit, actual_size=declared, content_type=JSON,
                text=refusal(request, "too_large", f"body larger than {limit} bytes",
                             max_bytes=limit))
        if request.content_type == "multipart/form-data":
            raise web.HTTPUnsupportedMediaType(content_type=JSON, text=refusal(
                request, "multipart", "multipart bodies are not accepted"))
        try:
            with reading.track_inprogress():
                async with asyncio.timeout(deadline):
                    await request.read()  # kept by the request: handlers read it from memory
        except web.HTTPRequestEntityTooLarge as exc:  # chunked: no length to check up front
            most = request.client_max_size  # what aiohttp's read() stops at
            raise web.HTTPRequestEntityTooLarge(
                max_size=most, actual_size=most + 1, content_type=JSON,
                text=refusal(request, "too_large", f"body larger than {most} bytes",
                             max_bytes=most)) from exc
        except TimeoutError:
            _cut(web.HTTPRequestTimeout(content_type=JSON, text=refusal(
                request, "too_slow", f"the body was not all sent within {deadline:g} s")))
        except (OSError, web.RequestPayloadError) as exc:
            # The connection was lost or its chunked framing broken: the client's doing.
            _cut(web.HTTPBadRequest(content_type=JSON, text=refusal(
                request, "cut_off", f"the body was cut off ({type(exc).__name__})")))
        return await handler(request)
    return read_first


def _cut(answer: web.HTTPClientError) -> NoReturn:
    answer.force_close()  # whatever the client sends after this is not a request
    raise answer


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else ""
