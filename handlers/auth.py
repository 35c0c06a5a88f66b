"""Bearer-token checks for the JSON API, compared in constant time."""

from __future__ import annotations

import hmac
import json
from typing import NoReturn

from aiohttp import web


def require_bearer(request: web.Request, token: str, *, variable: str = "CMSBOT_API_TOKEN",
                   realm: str = "cmsbot") -> None:
    """401 unless the request carries `Authorization: Bearer <token>` (set in `variable`)."""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        _refuse(f"missing bearer token: send Authorization: Bearer ${variable}", realm)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        _refuse(f"wrong bearer token: send Authorization: Bearer ${variable}", realm)


def _refuse(message: str, realm: str) -> NoReturn:
    raise web.HTTPUnauthorized(text=json.dumps({"error": message}), content_type="application/json",
                               headers={"WWW-Authenticate": f'Bearer realm="{realm}"'})
