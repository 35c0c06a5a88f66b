"""`PATCH /api/incidents/{id}` and `POST /api/incidents/{id}/cancel`: the feed corrects or
withdraws what it reported, with the same token as `POST /api/incidents`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from alerts.changes import changed_fields
from alerts.incident import IncidentError
from bot.services.cancellations import CancelError
from bot.services.incident_updates import NoSuchIncident
from handlers import keys
from handlers.auth import require_bearer
from handlers.http import error, json_response, read_json
from handlers.incidents_api import MAX_INCIDENT_BYTES, public_view

MAX_CANCEL_BYTES = 4 * 1024
_STATUSES: dict[int, type[web.HTTPError]] = {404: web.HTTPNotFound, 409: web.HTTPConflict}


async def patch_incident(request: web.Request) -> web.Response:
    """Change fields of a known incident: 200 with the incident and `"changed"`, or a 4xx."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    incident_id = request.match_info["id"]
    payload = await read_json(request, min(request.app[keys.SETTINGS].max_body_bytes,
                                           MAX_INCIDENT_BYTES))
    try:
        changes = await request.app[keys.SERVICES].updater.patch(incident_id, payload)
    except NoSuchIncident:
        error(web.HTTPNotFound, f"no incident {incident_id!r}")
    except IncidentError as exc:
        error(web.HTTPBadRequest, str(exc), field=exc.field)
    return json_response({**await _view(request, incident_id),
                          "changed": changed_fields(changes)})


async def cancel_incident(request: web.Request) -> web.Response:
    """Cancel an incident: {"reason", "by"?} -> 200 the incident; 409 when already cancelled."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    incident_id = request.match_info["id"]
    body = await read_json(request, MAX_CANCEL_BYTES)
    if not isinstance(body, dict):
        error(web.HTTPBadRequest, "body must be a JSON object", field="body")
    reason, by = body.get("reason"), body.get("by", "api")
    if not isinstance(reason, str) or not reason.strip():
        error(web.HTTPBadRequest, "reason is required: why the incident is cancelled",
              field="reason")
    if not isinstance(by, str) or not by.strip() or len(by) > 120:
        error(web.HTTPBadRequest, "by: who cancels, 1-120 characters", field="by")
    try:
        done = await request.app[keys.SERVICES].canceller.cancel(incident_id, reason,
                                                                 by.strip(), "api")
    except CancelError as exc:
        error(_STATUSES.get(exc.status, web.HTTPConflict), str(exc))
    return json_response({**await _view(request, incident_id), "told": done.told,
                          "notices_withdrawn": done.notices_withdrawn})


async def _view(request: web.Request, incident_id: str) -> dict[str, Any]:
    view = await request.app[keys.INCIDENTS].view(incident_id)
    if view is None:  # deleted between the change and the read: nothing else removes incidents
        error(web.HTTPNotFound, f"no incident {incident_id!r}")
    return public_view(view)
