"""Errors as clients see them: a short JSON body, never a stack trace or internals.

A database or Redis that is away is a 503 with Retry-After (the request changed nothing and
can be sent again); anything else unexpected is a 500 with an id to find it in the logs.
"""

from __future__ import annotations

import json
import logging
import uuid

import redis
from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
RETRY_AFTER = "5"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn failures into short JSON answers."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except (SQLAlchemyError, redis.RedisError, OSError) as exc:
        log.error("%s %s: a backing service is unavailable (%s)", request.method, request.path,
                  type(exc).__name__)
        return web.json_response({"error": "temporarily unavailable; retry shortly"},
                                 status=503, headers={"Retry-After": RETRY_AFTER})
    except Exception:
        reference = uuid.uuid4().hex[:12]
        log.exception("%s %s failed (error id %s)", request.method, request.path, reference)
        return web.Response(status=500, content_type="application/json",
                            text=json.dumps({"error": "internal error", "id": reference}))
