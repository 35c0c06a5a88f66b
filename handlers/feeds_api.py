"""`POST /api/heartbeat/{source}`: a feed says it is alive, with the ingest API's token."""

from __future__ import annotations

from aiohttp import web

from handlers import keys
from handlers.auth import require_bearer
from handlers.http import error


async def post_heartbeat(request: web.Request) -> web.Response:
    """204 once contact is recorded; 404 for a source the sites file does not list."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    source = request.match_info["source"]
    if not await request.app[keys.SERVICES].feeds.heartbeat(source):
        listed = ", ".join(sorted(request.app[keys.SITES].sites.sources)) or "none"
        error(web.HTTPNotFound, f"the sites file lists no source {source[:40]!r} "
              f"(sources: {listed}); add it under `sources:` to watch it", field="source")
    return web.Response(status=204)
