"""`/api/takedowns`: plan, list, show, move, cancel post-takedown outreach, with the API token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from alerts.takedown_plans import PlanView
from alerts.takedowns import TakedownError
from bot.services.takedowns import NoSuchTakedown, Planner, takedown_number
from handlers import keys
from handlers.auth import require_bearer
from handlers.http import error, json_response, read_json

MAX_BYTES = 8 * 1024


async def post_takedown(request: web.Request) -> web.Response:
    """Plan outreach: {"area", "date", "note"?, "confirm_past"?, "created_by"?} -> 201 the plan."""
    body = await _body(request)
    area, when = body.get("area"), body.get("date")
    if not isinstance(area, str) or not area.strip():
        error(web.HTTPBadRequest, "area is required: a team id, precinct:N or a geofence id",
              field="area")
    if not isinstance(when, str) or not when.strip():
        error(web.HTTPBadRequest, "date is required: today, tomorrow or YYYY-MM-DD", field="date")
    note, by = body.get("note", ""), body.get("created_by", "api")
    if not isinstance(note, str) or not isinstance(by, str):
        error(web.HTTPBadRequest, "note and created_by are strings", field="note")
    try:
        view = await request.app[keys.SERVICES].planner.create(area, when, note, by,
                                                      bool(body.get("confirm_past")))
    except TakedownError as exc:
        error(web.HTTPBadRequest, str(exc), field=exc.field)
    return json_response(view.to_json(), status=201)


async def list_takedowns(request: web.Request) -> web.Response:
    """Every plan with its steps."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    views = await request.app[keys.SERVICES].planner.visible(None)
    return json_response({"takedowns": [view.to_json() for view in views]})


async def get_takedown(request: web.Request) -> web.Response:
    """One plan with its steps and timeline (reports included)."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    try:
        view = await request.app[keys.SERVICES].planner.view(takedown_number(request.match_info["id"]))
    except TakedownError as exc:
        error(web.HTTPNotFound, str(exc))
    return json_response(view.to_json())


async def patch_takedown(request: web.Request) -> web.Response:
    """Move a plan: {"date": "..."}; steps not yet sent follow."""
    body = await _body(request)
    when = body.get("date")
    if not isinstance(when, str):
        error(web.HTTPBadRequest, "date is required", field="date")
    return await _change(request, lambda planner, ref: planner.move(ref, when, "api"))


async def cancel_takedown(request: web.Request) -> web.Response:
    """Cancel the rest of a plan."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    return await _change(request, lambda planner, ref: planner.cancel(ref, "api"))


async def confirm_takedown(request: web.Request) -> web.Response:
    """Send now the steps that were already past when the plan was made."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    return await _change(request, lambda planner, ref: planner.confirm_past(ref, "api"))


Change = Callable[[Planner, str], Awaitable[PlanView]]


async def _change(request: web.Request, change: Change) -> web.Response:
    try:
        view = await change(request.app[keys.SERVICES].planner, request.match_info["id"])
    except TakedownError as exc:
        status = (web.HTTPNotFound if isinstance(exc, NoSuchTakedown)
                  else web.HTTPBadRequest if exc.field == "date" else web.HTTPConflict)
        error(status, str(exc), field=exc.field)
    return json_response(view.to_json())


async def _body(request: web.Request) -> dict[str, object]:
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    body = await read_json(request, MAX_BYTES)
    if not isinstance(body, dict):
        error(web.HTTPBadRequest, "body must be a JSON object", field="body")
    return body
