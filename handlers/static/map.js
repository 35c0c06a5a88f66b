// The map, drawn with Leaflet (shipped in /static/vendor/leaflet: no CDN): the boroughs outlined
// and named, each catchment in its team's colour and named, incidents as dots coloured by state,
// all from /dashboard/api/map in lon/lat (GeoJSON's order). Streets go underneath only when #map
// carries data-tiles (CMSBOT_MAP_TILES, the one other origin the page's CSP lets images in from);
// otherwise the page asks nothing of any other origin. Names go into Leaflet as DOM nodes or
// escaped text: Leaflet inserts a string as markup. Uses dashboard.js's STATE_CLASS,
// timeline.js's openIncident, times.js's cityTime and dom.js's el and svg.
"use strict";

const leaflet = {map: null, dots: null};
const DOT_RADIUS = 7;  // pixels, at every zoom: a dot is a place, not an area
// Panes of their own, so that names lie over the outlines but never over a dot (Leaflet puts
// tooltips above everything else). Leaflet's own: tiles 200, outlines 400, markers 600.
const PANES = {labels: 450, dots: 500};

function latLng(lonLat) { return L.latLng(lonLat[1], lonLat[0]); }

// Text as markup for the few Leaflet options that only take markup (the attribution).
function asMarkup(text) {
  const entities = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"};
  return String(text).replace(/[&<>"']/g, (c) => entities[c]);
}

// A name fixed on the map at a point (a permanent tooltip: centred, never in the way of a click).
function mapLabel(lonLat, className, text, colour) {
  const node = el("span", {}, text);
  if (colour) node.style.setProperty("--team", colour);
  return L.tooltip({permanent: true, direction: "center", interactive: false, pane: "labels",
                    className: "map-label " + className})
    .setLatLng(latLng(lonLat)).setContent(node);
}

function createMap(element, data) {
  const map = L.map(element, {zoomSnap: 0.5, minZoom: 9, maxZoom: 18});
  for (const [name, zIndex] of Object.entries(PANES)) map.createPane(name).style.zIndex = String(zIndex);
  const tiles = element.dataset.tiles;
  if (tiles) {
    element.classList.add("with-tiles");
    // The page's own Referrer-Policy sends nothing; tile servers (OpenStreetMap's among them)
    // ask web maps for a Referer, so tiles send this origin, never a path.
    L.tileLayer(tiles, {maxZoom: 19, referrerPolicy: "strict-origin",
                        attribution: asMarkup(element.dataset.tilesAttribution || "")}).addTo(map);
  }
  const shapes = L.layerGroup().addTo(map);
  for (const borough of data.boroughs || []) {
    L.geoJSON(borough.geometry, {interactive: false, style: {className: "borough", weight: 1}})
      .addTo(shapes);
  }
  for (const team of data.teams) {
    L.geoJSON(team.geometry, {interactive: false, style: {
      className: "area", color: team.colour, fillColor: team.colour, weight: 2}}).addTo(shapes);
  }
  for (const borough of data.boroughs || []) {
    shapes.addLayer(mapLabel(borough.label, "borough-name", borough.name));
  }
  for (const team of data.teams) {
    shapes.addLayer(mapLabel(team.label, "team-label", team.name, team.colour));
  }
  const [west, south, east, north] = data.bounds;
  map.fitBounds([[south, west], [north, east]]);
  // The map's box changes with the layout (a timeline opening beside it), not only the window's.
  new ResizeObserver(() => map.invalidateSize()).observe(element);
  leaflet.map = map;
  leaflet.dots = L.layerGroup().addTo(map);
}

function drawDot(incident) {
  const said = incident.headline + " · " + (incident.location || "no location given") + " · "
    + incident.status + " · " + cityTime(incident.occurred_at);
  const dot = L.circleMarker([incident.lat, incident.lon], {
    radius: DOT_RADIUS, weight: 2, fillOpacity: 1, bubblingMouseEvents: false, pane: "dots",
    className: "dot " + (STATE_CLASS[incident.status] || "open") + (incident.fatal ? " fatal" : "")});
  dot.on("click", () => openIncident(incident.id));
  leaflet.dots.addLayer(dot);
  // Only once drawn is there an element: make it a button for the keyboard and screen readers.
  const path = dot.getElement();
  for (const [key, value] of Object.entries({"data-id": incident.id, "tabindex": "0",
                                             "role": "button", "aria-label": said})) {
    path.setAttribute(key, value);
  }
  path.appendChild(svg("title", {}, said));
  path.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openIncident(incident.id); }
  });
}

// The outlines and names are drawn once (they do not change while the page is open), and the
// view is the user's after the first fit; the dots are redrawn from each load.
function drawMap(data) {
  if (!leaflet.map) createMap(document.getElementById("map"), data);
  leaflet.dots.clearLayers();
  // Oldest first, so the newest dot is drawn on top of any it overlaps.
  for (const incident of data.incidents.slice().reverse()) drawDot(incident);
}
