"""Bearer-token checks for the JSON API, compared in constant time."""

from __future__ import annotations

import hmac
import json
from typing import NoReturn

from aiohttp import web


def require_bearer(request: web.Request, token: str) -> None:
    """401 unless the request carries `Authorization: Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        _refuse("missing bearer token: send Authorization: Bearer $CMSBOT_API_TOKEN")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        _refuse("wrong bearer token")


def _refuse(message: str) -> NoReturn:
    raise web.HTTPUnauthorized(text=json.dumps({"error": message}), content_type="application/json",
                               headers={"WWW-Authenticate": 'Bearer realm="cmsbot"'})
