"""`POST /api/incidents` and `GET /api/incidents/{id}`: the incident feed's API."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from alerts.contacts import PHONE_CHANNELS
from alerts.freshness import judge
from alerts.incident import IncidentError, parse_incident
from alerts.phone import redact
from bot.services.roster import roster
from handlers import keys
from handlers.auth import require_bearer
from handlers.http import error, json_response, read_json

log = logging.getLogger(__name__)
MAX_INCIDENT_BYTES = 16 * 1024


async def post_incident(request: web.Request) -> web.Response:
    """Accept one incident: 202 with the teams alerted, or a 4xx that says what is wrong."""
    settings = request.app[keys.SETTINGS]
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    payload = await read_json(request, min(settings.max_body_bytes, MAX_INCIDENT_BYTES))
    try:
        incident = parse_incident(payload, request.app[keys.SITES].sites.incident_types)
        # Arrival is this server's clock when the post came in; `"page": true` pages even a
        # stale one (a feed replaying history on purpose).
        paging = judge(incident.occurred_at, request.app[keys.CLOCK](), settings.page_within,
                       force=_page_flag(payload))
    except IncidentError as exc:
        error(web.HTTPBadRequest, str(exc), field=exc.field)
    # A database that is away becomes a 503 with Retry-After (handlers.errors): the incident
    # is stored in one transaction, so nothing is half written and the feed simply posts again.
    outcome = await request.app[keys.SERVICES].ingest.accept(incident, paging)
    log.info("incident %s: teams %s, %d deliveries%s", incident.id, ",".join(outcome.teams) or "-",
             outcome.deliveries, "" if outcome.paged else f" (not paged: {outcome.reason})")
    return json_response(outcome.to_json(), status=202)


def _page_flag(payload: Any) -> bool:
    value = payload.get("page", False)  # parse_incident has made sure it is an object
    if not isinstance(value, bool):
        raise IncidentError("page", "must be true or false")
    return value


async def get_incident(request: web.Request) -> web.Response:
    """The incident with its routing, pages, deliveries (recipients redacted) and timeline."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    view = await request.app[keys.INCIDENTS].view(request.match_info["id"])
    if view is None:
        error(web.HTTPNotFound, f"no incident {request.match_info['id']!r}")
    return json_response(public_view(view))


def public_view(view: dict[str, Any]) -> dict[str, Any]:
    """The stored incident shaped for the API, with every phone number cut to its last 4 digits."""
    incident = dict(view["incident"])
    incident["teams"] = view["teams"]
    incident["pages"] = [
        {"name": p["name"], "phone": redact(p["phone"]), "team": p["team_id"], "role": p["role"],
         "number": p["number"], "reason": p["reason"], "open": p["open"],
         "acked_at": p["acked_at"], "on_scene_at": p["on_scene_at"], "safe_at": p["safe_at"]}
        for p in view["pages"]]
    incident["deliveries"] = [
        {"key": d["key"], "kind": d["kind"], "channel": d["channel"],
         "recipient": redact(d["recipient"]) if d["channel"] in PHONE_CHANNELS else d["recipient"],
         "recipient_name": d["recipient_name"], "team": d["team_id"], "status": d["status"],
         "attempts": d["attempts"], "error_code": d["error_code"], "sent_at": d["sent_at"]}
        for d in view["deliveries"]]
    incident["timeline"] = [
        {"at": e["at"], "actor": e["actor"], "action": e["action"], "channel": e["channel"],
         "team": e["team_id"], "detail": e["detail"]} for e in view["timeline"]]
    incident["links"] = view["links"]
    return incident


async def get_roster(request: web.Request) -> web.Response:
    """Teams and members now: on shift, opted out (STOP), open alerts; phones redacted."""
    require_bearer(request, request.app[keys.API_TOKEN].reveal())
    team_id = request.query.get("team")
    sites = request.app[keys.SITES].sites
    if team_id is not None and sites.find_team(team_id) is None:
        error(web.HTTPNotFound, f"no team {team_id!r}")
    entries = await roster(request.app[keys.ENGINE], sites, request.app[keys.CLOCK](), team_id)
    return json_response({"members": [entry.to_json() for entry in entries]})
