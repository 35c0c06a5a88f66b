// The map page: borough outlines, named catchments and incidents drawn in SVG from
// /dashboard/api/map (coordinates are metres on a flat plane around the city, north up: no
// tiles, no internet), and the incident list; timeline.js shows an incident, times.js formats
// times. Everything from the server is inserted as text, never as markup. It polls
// /dashboard/api/changes and redraws when anything changed.
"use strict";

const STATE_CLASS = {"open": "open", "acknowledged": "acked", "on scene": "scene", "closed": "closed"};
const state = {range: "24h", version: null, open: null, view: null, data: null, loadedAt: 0};

async function getJSON(url) {
  const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
  if (response.status === 401) { window.location.assign("/signin"); throw new Error("signed out"); }
  if (!response.ok) throw new Error(url + ": HTTP " + response.status);
  return response.json();
}

function drawMap(data) {
  const map = document.getElementById("map");
  if (!state.view) state.view = data.view.slice();
  map.setAttribute("viewBox", state.view.join(" "));
  map.replaceChildren();
  // Text is sized in map units (metres), so it follows the zoom: a share of the view.
  const size = Math.max(state.view[2], state.view[3]) / 55;
  const boroughs = svg("g", {"class": "boroughs"});
  for (const borough of data.boroughs || []) {
    boroughs.appendChild(svg("path", {"d": borough.path, "class": "borough"}));
  }
  map.appendChild(boroughs);
  const areas = svg("g", {"class": "areas"});
  for (const team of data.teams) {
    const path = svg("path", {"d": team.path, "fill": team.colour, "stroke": team.colour,
                              "class": "area", "data-team": team.id});
    const title = svg("title"); title.textContent = team.name; path.appendChild(title);
    areas.appendChild(path);
  }
  map.appendChild(areas);
  const labels = svg("g", {"class": "labels", "aria-hidden": "true"});
  for (const borough of data.boroughs || []) {
    labels.appendChild(svg("text", {"x": borough.label[0], "y": borough.label[1], "font-size": size * 1.4,
                                    "stroke-width": size / 6, "class": "borough-name", "text-anchor": "middle"}, borough.name));
  }
  for (const team of data.teams) {
    labels.appendChild(svg("text", {"x": team.label[0], "y": team.label[1], "font-size": size,
                                    "stroke-width": size / 6, "class": "label", "text-anchor": "middle", "fill": team.colour}, team.name));
  }
  map.appendChild(labels);
  const dots = svg("g", {"class": "dots"});
  const radius = Math.max(state.view[2], state.view[3]) / 120;
  for (const incident of data.incidents) {
    const dot = svg("circle", {"cx": incident.x, "cy": incident.y, "r": radius,
                               "class": "dot " + (STATE_CLASS[incident.status] || "open")
                                        + (incident.fatal ? " fatal" : ""),
                               "data-id": incident.id, "tabindex": "0"});
    const title = svg("title");
    title.textContent = incident.headline + " · " + incident.status + " · " + cityTime(incident.occurred_at);
    dot.appendChild(title);
    dot.addEventListener("click", () => openIncident(incident.id));
    dot.addEventListener("keydown", (event) => { if (event.key === "Enter") openIncident(incident.id); });
    dots.appendChild(dot);
  }
  map.appendChild(dots);
}

function drawLegend(data) {
  const legend = document.getElementById("legend");
  legend.replaceChildren();
  for (const status of data.states) {
    const item = el("li", {"class": "key " + STATE_CLASS[status]}, status);
    legend.appendChild(item);
  }
  legend.appendChild(el("li", {"class": "key fatal"}, "fatal (dark ring)"));
  for (const team of data.teams) {
    const item = el("li", {"class": "team"}, team.name);
    item.style.setProperty("--team", team.colour);
    legend.appendChild(item);
  }
}

function drawList(data) {
  const list = document.getElementById("incidents");
  list.replaceChildren();
  if (data.incidents.length === 0) {
    list.appendChild(el("li", {"class": "muted"}, "No shootings in this period."));
    return;
  }
  const names = Object.fromEntries(data.teams.map((team) => [team.id, team.name]));
  for (const incident of data.incidents) {
    const item = el("li", {"class": "incident " + (STATE_CLASS[incident.status] || "open")});
    const button = el("button", {"type": "button", "data-id": incident.id});
    const top = el("span", {"class": "top"});
    top.appendChild(el("span", {"class": "status"}, incident.status));
    top.appendChild(el("span", {"class": "age", "data-at": incident.occurred_at}, age(incident.occurred_at)));
    button.appendChild(top);
    button.appendChild(el("span", {"class": "what"}, (incident.fatal ? "FATAL · " : "") + incident.headline));
    button.appendChild(el("span", {"class": "where"}, incident.location || "(no location given)"));
    button.appendChild(el("span", {"class": "team"},
      incident.teams.map((id) => names[id] || id).join(", ") || "no team: coordinators"));
    button.appendChild(el("span", {"class": "when muted"}, cityTime(incident.occurred_at) + " · " + incident.id));
    button.addEventListener("click", () => openIncident(incident.id));
    item.appendChild(button);
    list.appendChild(item);
  }
}

async function load() {
  const data = await getJSON("/dashboard/api/map?range=" + encodeURIComponent(state.range));
  state.data = data;
  state.loadedAt = Date.now();
  state.version = data.version;
  drawMap(data);
  drawLegend(data);
  drawList(data);
  document.getElementById("updated").textContent = "updated " + clockTime(serverNow());
  for (const button of document.querySelectorAll("[data-range]")) {
    button.setAttribute("aria-pressed", String(button.dataset.range === state.range));
  }
  if (state.open) await openIncident(state.open, false);
}


function enablePanZoom() {
  const map = document.getElementById("map");
  let drag = null;
  map.addEventListener("wheel", (event) => {
    event.preventDefault();
    const view = state.view, box = map.getBoundingClientRect();
    const factor = event.deltaY > 0 ? 1.2 : 1 / 1.2;
    const px = view[0] + (event.clientX - box.left) / box.width * view[2];
    const py = view[1] + (event.clientY - box.top) / box.height * view[3];
    state.view = [px - (px - view[0]) * factor, py - (py - view[1]) * factor, view[2] * factor, view[3] * factor];
    if (state.data) drawMap(state.data);
  }, {passive: false});
  map.addEventListener("pointerdown", (event) => { drag = {x: event.clientX, y: event.clientY, view: state.view.slice()}; });
  map.addEventListener("pointerup", () => { drag = null; });
  map.addEventListener("pointerleave", () => { drag = null; });
  map.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const box = map.getBoundingClientRect();
    const dx = (event.clientX - drag.x) / box.width * drag.view[2];
    const dy = (event.clientY - drag.y) / box.height * drag.view[3];
    if (Math.abs(dx) + Math.abs(dy) < 1) return;
    state.view = [drag.view[0] - dx, drag.view[1] - dy, drag.view[2], drag.view[3]];
    map.setAttribute("viewBox", state.view.join(" "));
  });
}

async function poll() {
  try {
    const answer = await getJSON("/dashboard/api/changes");
    if (answer.version !== state.version) await load();
    else refreshAges();
    setTimeout(poll, answer.poll_seconds * 1000);
  } catch (problem) {
    document.getElementById("updated").textContent = "offline: retrying";
    setTimeout(poll, 10000);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-range]")) {
    button.addEventListener("click", () => { state.range = button.dataset.range; load(); });
  }
  enablePanZoom();
  load().then(() => setTimeout(poll, 5000)).catch((problem) => {
    document.getElementById("updated").textContent = "could not load the map: " + problem.message;
  });
});
