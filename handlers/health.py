"""Operators' routes: liveness, readiness, Prometheus metrics; and the OpenAPI document.

None of them needs the API token: load balancers and Prometheus call them. `/metrics` takes
`CMSBOT_METRICS_TOKEN` when it is set, since the web process faces the internet for webhooks.
"""

from __future__ import annotations

from aiohttp import web

from bot.ops.metrics import CONTENT_TYPE, exposition
from bot.ops.readiness import OK, check_load, readiness
from bot.ops.scrape import read
from handlers import keys
from handlers.auth import require_bearer
from handlers.errors import RETRY_AFTER
from handlers.openapi import document


async def healthz(_request: web.Request) -> web.Response:
    """200 while the process serves requests; checks no dependency on purpose."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when Redis and the database answer within seconds and the process keeps up with its
    load; else 503 naming what failed."""
    app = request.app
    checks = await readiness(app[keys.ENGINE], app[keys.PROBE_REDIS])
    now = app[keys.CLOCK]()
    checks["load"] = check_load(app[keys.LOOP_LAG].worst(now), app[keys.ADMISSION].shed_recently(now))
    if all(state == OK for state in checks.values()):
        return web.json_response({"status": "ready", "checks": checks})
    return web.json_response({"status": "unavailable", "checks": checks}, status=503,
                             headers={"Retry-After": RETRY_AFTER})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text; always 200, with `cmsbot_scrape_error` saying what could not be read."""
    _require_metrics_token(request)
    app = request.app
    # The database and Redis are read first, off the loop's thread for Redis; then this
    # scrape's readings and the process's own registry are written out together.
    readings = await read(app[keys.ENGINE], app[keys.PROBE_REDIS], app[keys.CLOCK](),
                          app[keys.SITES].sites.sources)
    return web.Response(body=exposition(readings, app[keys.METRICS]),
                        headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})


async def openapi_json(_request: web.Request) -> web.Response:
    """The OpenAPI document of the API."""
    return web.json_response(document())


def _require_metrics_token(request: web.Request) -> None:
    token = request.app[keys.SETTINGS].metrics_token
    if token is not None:
        require_bearer(request, token.reveal(), variable="CMSBOT_METRICS_TOKEN",
                       realm="cmsbot metrics")
