"""How long each webhook takes in this process: Slack allows 3 s to answer, Twilio 15 s."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Histogram

from bot.ops.metrics import register
from handlers import keys

TIMED = frozenset({"/twilio/sms", "/twilio/status", "/slack/events", "/api/incidents"})
# Slack's 3 s and Twilio's 15 s are bounds, so "answered in time" is one bucket's count.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0)


def webhook_seconds(registry: CollectorRegistry) -> Histogram:
    """The latency histogram the middleware observes into, registered in the app's registry."""
    histogram = Histogram(
        "cmsbot_webhook_seconds",
        "Time this web process took to answer a webhook, by route and status class.",
        ["route", "code"], buckets=BUCKETS, registry=None)
    register(registry, histogram)
    return histogram


@web.middleware
async def webhook_timing(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Observe each webhook POST's handling time under its route and status class."""
    if request.method != "POST":  # every request passes here: the cheap test first
        return await handler(request)
    resource = request.match_info.route.resource
    # The route's own path, never the request's: a label must not take arbitrary values.
    route = resource.canonical if resource is not None else ""
    if route not in TIMED:
        return await handler(request)
    started, status = time.perf_counter(), 500  # anything that escapes counts as a 5xx
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.config_dict[keys.WEBHOOK_SECONDS].labels(route=route, code=f"{status // 100}xx") \
            .observe(time.perf_counter() - started)
