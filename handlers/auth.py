"""Bearer-token checks for the JSON API, compared in constant time."""

from __future__ import annotations

import hmac

from aiohttp import web

from handlers.http import error


def require_bearer(request: web.Request, token: str) -> None:
    """401 unless the request carries `Authorization: Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        _refuse("missing bearer token: send Authorization: Bearer $CMSBOT_API_TOKEN")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        _refuse("wrong bearer token")


def _refuse(message: str) -> None:
    try:
        error(web.HTTPUnauthorized, message)
    except web.HTTPUnauthorized as exc:
        exc.headers["WWW-Authenticate"] = 'Bearer realm="cmsbot"'
        raise
