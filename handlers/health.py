"""Liveness for operators: the process is up and serving."""

from __future__ import annotations

from aiohttp import web


async def healthz(_request: web.Request) -> web.Response:
    """200 while the process serves requests; checks no dependency on purpose."""
    return web.json_response({"status": "ok"})
