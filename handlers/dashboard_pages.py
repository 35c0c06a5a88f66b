"""The dashboard's pages: the map with incident timelines, and the reports. Each is a shell;
its script fetches the data (so the pages and the JSON share one access check)."""

from __future__ import annotations

from html import escape

from aiohttp import web

from handlers import keys
from handlers.dashboard_auth import viewer
from handlers.pages import nav, page

_RANGES = "".join(f'<button type="button" data-range="{key}">{label}</button>'
                  for key, label in (("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days")))
# Leaflet (the app's own copy) before map.js, which draws with it.
_MAP_SCRIPTS = ("vendor/leaflet/leaflet.js", "dom.js", "times.js", "timeline.js", "map.js",
                "dashboard.js")


async def map_page(request: web.Request) -> web.Response:
    """Catchments and incidents; click one for its timeline (beside the list on a desktop, in
    its place on a phone). Refreshes itself. Streets under the map only with CMSBOT_MAP_TILES."""
    who = await viewer(request, page_request=True)
    settings = request.app[keys.SETTINGS]
    origin = settings.map_tiles_origin()
    # The tile template reaches the script as data, never as inline script (the CSP forbids it).
    tiles = "" if origin is None else (
        f' data-tiles="{escape(settings.map_tiles or "")}"'
        f' data-tiles-attribution="{escape(settings.map_tiles_attribution)}"')
    body = (nav(who.person.name, "/", who.csrf)
            + '<main class="map-layout">'
            + '<section class="map-pane"><div class="toolbar" role="group" aria-label="Time range">'
            + _RANGES + '<span id="updated" class="muted"></span></div>'
            + f'<div id="map" role="region" aria-label="Map of catchments and incidents"{tiles}>'
            + '</div><ul id="legend" class="legend"></ul></section>'
            # Shown only when the sites file watches feeds: a silent feed looks like a quiet night.
            + '<aside class="side"><section id="feeds-panel" aria-label="Incident feeds" hidden>'
            + '<h2>Feeds</h2><ul id="feeds" class="feeds"></ul></section>'
            + '<h2>Incidents</h2><ul id="incidents" class="incident-list"></ul>'
            + '</aside><section id="timeline" class="timeline" aria-label="Incident timeline" '
            + 'hidden></section></main>')
    return page("Map", body, scripts=_MAP_SCRIPTS, styles=("vendor/leaflet/leaflet.css",),
                csrf=who.csrf, images_from=() if origin is None else (origin,))


async def reports_page(request: web.Request) -> web.Response:
    """Per team and month: response times, outcomes, follow-ups, takedowns; chart and CSV."""
    who = await viewer(request, page_request=True)
    body = (nav(who.person.name, "/reports", who.csrf)
            + '<main class="reports"><h1>Reports</h1>'
            + '<form id="report-range" class="toolbar"><label>From <input type="date" '
            + 'name="since"></label><label>Until <input type="date" name="until"></label>'
            + '<button type="submit">Show</button><a id="csv" href="#">Download CSV</a></form>'
            + '<svg id="chart" role="img" aria-label="Incidents per month, by team"></svg>'
            + '<ul id="chart-key" class="legend" aria-label="Key to the chart"></ul>'
            # Focusable, so the keyboard can scroll the table sideways too.
            + '<div class="table-wrap" tabindex="0" role="region" aria-label="Report table">'
            + '<table id="report"></table></div>'
            + '<p id="report-empty" class="muted" hidden></p></main>')
    return page("Reports", body, scripts=("dom.js", "reports.js"), csrf=who.csrf)
