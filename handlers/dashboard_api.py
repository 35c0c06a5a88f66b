"""The dashboard's JSON: map data, an incident's timeline, and a version to poll for changes.

Every route needs a session (401 otherwise). A member sees the incidents routed to their teams,
a coordinator all of them; an incident someone may not see is a 404, exactly like one that
does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from alerts.linking import linked_id, shown_detail
from alerts.states import IncidentStatus
from bot.services import dashboard
from handlers import keys
from handlers.dashboard_auth import viewer
from handlers.http import error, json_response
from handlers.incidents_api import public_view
from handlers.pages import PRIVATE

STATES = tuple(IncidentStatus)
POLL = timedelta(seconds=5)


async def map_data(request: web.Request) -> web.Response:
    """Catchments, and the incidents of the last 24 h, 7 days or 30 days (`range`)."""
    who = await viewer(request)
    chosen = request.query.get("range", "24h")
    if chosen not in dashboard.RANGES:
        error(web.HTTPBadRequest, f"range is one of {', '.join(dashboard.RANGES)}", field="range")
    sites = request.app[keys.SITES].sites
    now = request.app[keys.CLOCK]()
    since = now - dashboard.RANGES[chosen]
    scope = None if who.person.is_coordinator else who.person.team_ids
    found = await dashboard.map_incidents(request.app[keys.ENGINE], since, scope)
    teams = [outline for outline in request.app[keys.MAP_OUTLINES]
             if who.person.is_coordinator or outline.team_id in who.person.team_ids]
    return _private(json_response({
        # The page shows times in the city's zone and ages from this clock, not the browser's.
        "range": chosen, "since": since, "now": now, "tz": str(getattr(sites.tz, "key", "UTC")),
        "states": STATES,
        # Lon/lat throughout, GeoJSON's order: outlines are MultiPolygons, labels [lon, lat],
        # the initial view a bbox [west, south, east, north].
        "bounds": request.app[keys.MAP_BOUNDS],
        "teams": [{"id": t.team_id, "name": t.name, "colour": t.colour, "geometry": t.geometry,
                   "label": t.label} for t in teams],
        "boroughs": [{"name": b.name, "geometry": b.geometry, "label": b.label}
                     for b in request.app[keys.MAP_BOROUGHS]],
        "incidents": [incident.to_json() for incident in found],
        # Each watched incident feed's last contact: a dead feed looks like a quiet night.
        "sources": [status.to_json() for status in await request.app[keys.SERVICES].feeds.status()],
        "version": await dashboard.version(request.app[keys.ENGINE]),
    }))


async def incident_timeline(request: web.Request) -> web.Response:
    """One incident: routing, deliveries with their status, and everything on its timeline."""
    who = await viewer(request)
    incident_id = request.match_info["id"]
    view = await request.app[keys.INCIDENTS].view(incident_id)
    if view is None or not who.sees([team["team_id"] for team in view["teams"]]):
        error(web.HTTPNotFound, f"no incident {incident_id!r}")
    shown = public_view(view)
    # Linked incidents of teams this viewer does not serve are not theirs to know about: they
    # are not listed, and the timeline calls them "a nearby incident".
    named = {link["incident"] for link in shown["links"]} | {
        other for event in shown["timeline"] if (other := linked_id(event["action"], event["detail"]))}
    linked = await dashboard.teams_of(request.app[keys.ENGINE], sorted(named))

    def may_see(other: str) -> bool:
        return who.sees(linked.get(other, []))

    shown["links"] = [link for link in shown["links"] if may_see(link["incident"])]
    shown["timeline"] = [{**event, "detail": shown_detail(event["action"], event["detail"], may_see)}
                         for event in shown["timeline"]]
    return _private(json_response(shown))


async def changes(request: web.Request) -> web.Response:
    """A version that changes when anything on the dashboard would; pages poll it."""
    await viewer(request)
    return _private(json_response({"version": await dashboard.version(request.app[keys.ENGINE]),
                                   "poll_seconds": POLL.total_seconds()}))


def _private(response: web.Response) -> web.Response:
    response.headers.update({"Cache-Control": "no-store",
                             "X-Content-Type-Options": PRIVATE["X-Content-Type-Options"]})
    return response
