"""Liveness for operators: the process is up and serving."""

from __future__ import annotations

from aiohttp import web

from bot.openapi import document


async def healthz(_request: web.Request) -> web.Response:
    """200 while the process serves requests; checks no dependency on purpose."""
    return web.json_response({"status": "ok"})


async def openapi_json(_request: web.Request) -> web.Response:
    """The OpenAPI document of the API."""
    return web.json_response(document())
