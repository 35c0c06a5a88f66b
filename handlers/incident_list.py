"""`GET /api/incidents`: find incidents, newest first, a page at a time with a cursor."""

from __future__ import annotations

from aiohttp import web

from alerts.incident_query import QueryError, parse_query
from alerts.page_cursor import cursor_key, encode_cursor
from bot.store.incident_list import find_incidents
from handlers import keys
from handlers.auth import require_bearer
from handlers.http import error, json_response
from handlers.incidents_api import public_view


async def list_incidents(request: web.Request) -> web.Response:
    """A page of incidents, each as `GET /api/incidents/{id}` shows it (phones redacted), and
    the cursor of the next page (null on the last)."""
    token = request.app[keys.API_TOKEN].reveal()
    require_bearer(request, token)
    sites = request.app[keys.SITES].sites
    # Signed with a key from the API token: only a holder of the token gets cursors, and a
    # cursor from before the token changed is refused rather than misread.
    key = cursor_key(token)
    try:
        query = parse_query(list(request.query.items()), [team.id for team in sites.teams],
                            sites.incident_types, key)
    except QueryError as exc:
        error(web.HTTPBadRequest, str(exc), field=exc.field)
    views, last = await find_incidents(request.app[keys.ENGINE], query)
    return json_response({"incidents": [public_view(view) for view in views],
                          "next": encode_cursor(last, key) if last else None})
