"""Small helpers every JSON endpoint shares: bounded body reads, errors, JSON out."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NoReturn

from aiohttp import web


def error(status: type[web.HTTPError], message: str, **extra: Any) -> NoReturn:
    """Stop the request with a JSON error body."""
    raise status(text=json.dumps({"error": message, **extra}), content_type="application/json")


async def read_json(request: web.Request, max_bytes: int) -> object:
    """The JSON body, refused with 413 before reading when it is larger than `max_bytes`."""
    if request.content_length is not None and request.content_length > max_bytes:
        _too_large(max_bytes, request.content_length)
    raw = await request.read()  # read already, within its deadline (handlers.bodies)
    if len(raw) > max_bytes:  # a chunked body has no Content-Length to check up front
        _too_large(max_bytes, len(raw))
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        error(web.HTTPBadRequest, f"body is not valid JSON: {exc}", field="body")


def _too_large(max_bytes: int, actual: int) -> NoReturn:
    raise web.HTTPRequestEntityTooLarge(
        max_size=max_bytes, actual_size=actual, content_type="application/json",
        text=json.dumps({"error": f"body larger than {max_bytes} bytes", "max_bytes": max_bytes}))


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response; datetimes as ISO 8601."""
    return web.json_response(data, status=status, dumps=lambda obj: json.dumps(obj, default=_default))


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
