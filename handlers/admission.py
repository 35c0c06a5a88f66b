"""Admission: how many requests of each route class this web process works on at once.

Route classes, by the matched route's canonical path (never the raw one, which a client picks):

    ingest         POST /api/incidents
    api            every other /api/ route
    dashboard      /, /reports, /roster, /signin*, /signout, /dashboard/*, /static/*, /calendar/*
    slack          /slack/events
    twilio-sms     /twilio/sms
    twilio-status  /twilio/status
    operators      /healthz, /readyz, /metrics, /openapi.json: never limited

The limits are per process: `Settings.in_flight_limits()`, `CMSBOT_MAX_IN_FLIGHT` over the
defaults. Load beyond them is answered fast instead of queueing without bound:

* ingest, api, dashboard and slack: `Admission.middleware()` (after the timing one, so that a
  shed webhook is timed too, and after `handlers.bodies`, so that a client trickling its body
  holds no slot) admits a request while its class has room and otherwise answers at once,
  before the database is touched: 503
  `{"error": "overloaded; retry shortly"}` with `Retry-After: 2` (feeds post again, Slack
  retries a 503 with backoff).
* twilio-sms and twilio-status are never refused: Twilio does not retry an inbound SMS, so a
  503 would be a reply lost. Their handlers take a slot themselves, around the work they would
  do inline, and hand it to a worker when there is none::

      admission = request.app[keys.ADMISSION]
      async with admission.inline("twilio-sms") as inline:
          if inline:
              ...  # act now; answer with TwiML
          else:
              ...  # hand to a worker; answer empty TwiML
              admission.deferred("sms")

  `inline()` never waits: it yields True holding one of the class's slots until the block
  ends, or False at once, holding nothing, when the class is full. `deferred(kind)` counts
  work handed to a worker instead of done inline, whatever the reason (a full class, a budget
  run out); the kinds are `DEFERRED_KINDS`.

Metrics, in the app's registry: `cmsbot_in_flight_requests{class}` (for the Twilio classes,
the slots taken by `inline()`), `cmsbot_shed_requests_total{class}` and
`cmsbot_deferred_total{kind}`. A request shed within the last few seconds makes `/readyz` say
"overloaded" (`shed_recently`, alerts.load).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from typing import Literal

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge

from alerts.load import WINDOW, RecentPeak
from bot.ops.metrics import register

log = logging.getLogger(__name__)

RouteClass = Literal["ingest", "api", "dashboard", "slack", "twilio-sms", "twilio-status",
                     "twilio-voice", "operators"]
SHEDDING: tuple[RouteClass, ...] = ("ingest", "api", "dashboard", "slack")
INLINE: tuple[RouteClass, ...] = ("twilio-sms", "twilio-status", "twilio-voice")
DEFERRED_KINDS = ("sms", "status")  # an inbound SMS's answer; a delivery status callback
RETRY_AFTER = "2"

_EXACT: Mapping[str, RouteClass] = {
    "/healthz": "operators", "/readyz": "operators", "/metrics": "operators",
    "/openapi.json": "operators", "/slack/events": "slack", "/twilio/sms": "twilio-sms",
    "/twilio/status": "twilio-status", "/twilio/voice": "twilio-voice",
    "/twilio/voice/gather": "twilio-voice", "/twilio/voice/status": "twilio-status",
    "/": "dashboard", "/reports": "dashboard", "/report": "dashboard", "/roster": "dashboard",
    "/signout": "dashboard", "/static": "dashboard"}
_PREFIXES: tuple[tuple[str, RouteClass], ...] = (
    ("/api/", "api"), ("/signin", "dashboard"), ("/dashboard/", "dashboard"),
    ("/static/", "dashboard"), ("/calendar/", "dashboard"))


def route_class(method: str, canonical: str) -> RouteClass | None:
    """The class of a request to the route with this canonical path; None for no known route
    (an unmatched path is answered 404 without work worth bounding)."""
    if canonical == "/api/incidents" and method == "POST":
        return "ingest"
    if canonical in _EXACT:
        return _EXACT[canonical]
    return next((named for prefix, named in _PREFIXES if canonical.startswith(prefix)), None)


class Admission:
    """Requests in flight per route class, against the limits; one per app."""

    def __init__(self, limits: Mapping[str, int], registry: CollectorRegistry,
                 clock: Callable[[], datetime], window: timedelta = WINDOW) -> None:
        bounded = (*SHEDDING, *INLINE)
        self._limits = {name: limits[name] for name in bounded}
        self._in_flight = dict.fromkeys(bounded, 0)
        self._clock = clock
        self._window = window
        self._shed_at = RecentPeak(window)
        self._warned: dict[RouteClass, datetime] = {}
        in_flight = Gauge("cmsbot_in_flight_requests",
                          "Requests this web process is working on, by route class "
                          "(Twilio's: those acted on inline).", ["class"], registry=None)
        for name in bounded:
            in_flight.labels(name).set_function(functools.partial(self._in_flight.__getitem__, name))
        self._shed = Counter("cmsbot_shed_requests",
                             "Requests answered 503 at once because their route class was full.",
                             ["class"], registry=None)
        self._deferred = Counter("cmsbot_deferred",
                                 "Webhooks answered at once with their work left to a worker, by kind.",
                                 ["kind"], registry=None)
        for name in SHEDDING:
            self._shed.labels(name)  # at 0 from the start: "none" is not "not scraped"
        for kind in DEFERRED_KINDS:
            self._deferred.labels(kind)
        for metric in (in_flight, self._shed, self._deferred):
            register(registry, metric)

    @asynccontextmanager
    async def inline(self, name: RouteClass) -> AsyncIterator[bool]:
        """True, holding a slot of `name` (a Twilio class) for the block; False when it is full."""
        if name not in INLINE:
            raise ValueError(f"{name!r} is admitted by the middleware, not inline()")
        with self._slot(name) as free:
            yield free

    def deferred(self, kind: str) -> None:
        """Count one piece of webhook work handed to a worker instead of done inline."""
        if kind not in DEFERRED_KINDS:  # a label takes known values only
            raise ValueError(f"deferred kind {kind!r} is not one of {DEFERRED_KINDS}")
        self._deferred.labels(kind).inc()

    def shed_recently(self, now: datetime) -> bool:
        """Whether a request was answered 503 for want of room within the window before `now`."""
        return self._shed_at.peak(now) > 0

    def middleware(self) -> Middleware:
        """The middleware that admits ingest, api, dashboard and slack requests or sheds them."""
        @web.middleware
        async def admit(request: web.Request, handler: Handler) -> web.StreamResponse:
            resource = request.match_info.route.resource
            name = route_class(request.method, resource.canonical if resource is not None else "")
            if name is None or name not in SHEDDING:
                return await handler(request)
            with self._slot(name) as free:
                if not free:
                    return self._refuse(name)
                return await handler(request)
        return admit

    @contextmanager
    def _slot(self, name: RouteClass) -> Iterator[bool]:
        # No await between the test and the increment: on one event loop this is atomic.
        if self._in_flight[name] >= self._limits[name]:
            yield False
            return
        self._in_flight[name] += 1
        try:
            yield True
        finally:
            self._in_flight[name] -= 1

    def _refuse(self, name: RouteClass) -> web.Response:
        now = self._clock()
        self._shed.labels(name).inc()
        self._shed_at.record(now, 1.0)
        last = self._warned.get(name)
        if last is None or not timedelta(0) <= now - last < self._window:  # a line per window
            self._warned[name] = now
            log.warning("admission: %s is full (%d in flight); answering 503 until there is room",
                        name, self._limits[name])
        return web.json_response({"error": "overloaded; retry shortly"}, status=503,
                                 headers={"Retry-After": RETRY_AFTER})
