// The map page: borough outlines, named catchments and incidents drawn in SVG from /dashboard/api/map (coordinates are
// metres on a flat plane around the city, north up: no tiles, no internet), the incident list,
// and an incident's timeline. Everything from the server is inserted as text, never as markup.
// It polls /dashboard/api/changes and redraws when anything changed.
"use strict";

const STATE_CLASS = {"open": "open", "acknowledged": "acked", "on scene": "scene", "closed": "closed"};
const state = {range: "24h", version: null, open: null, view: null, data: null, loadedAt: 0};

async function getJSON(url) {
  const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
  if (response.status === 401) { window.location.assign("/signin"); throw new Error("signed out"); }
  if (!response.ok) throw new Error(url + ": HTTP " + response.status);
  return response.json();
}

// The server's clock now: ages are counted from it (a browser's clock may be off, or far away).
function serverNow() {
  return state.data ? new Date(Date.parse(state.data.now) + (Date.now() - state.loadedAt)) : new Date();
}

const formats = {};
function parts(date, options) {
  const tz = (state.data && state.data.tz) || "UTC";
  const key = tz + JSON.stringify(options);
  formats[key] = formats[key] || new Intl.DateTimeFormat("en-US", {timeZone: tz, ...options});
  return Object.fromEntries(formats[key].formatToParts(date).map((part) => [part.type, part.value]));
}

// A moment in the city's zone (the sites file's tz), whatever the browser's: "Sat Dec 5, 11:10 PM
// EST", with the year when it is not this one. Built from parts so the text is the same in every
// browser (no comma after the weekday, a plain space before PM).
function cityTime(iso) {
  const options = {weekday: "short", month: "short", day: "numeric", year: "numeric",
                   hour: "numeric", minute: "2-digit", timeZoneName: "short"};
  const when = parts(new Date(iso), options), now = parts(serverNow(), options);
  return when.weekday + " " + when.month + " " + when.day + (when.year !== now.year ? ", " + when.year : "")
    + ", " + when.hour + ":" + when.minute + " " + when.dayPeriod + " " + when.timeZoneName;
}

function clockTime(date) {
  const when = parts(date, {hour: "numeric", minute: "2-digit", second: "2-digit", timeZoneName: "short"});
  return when.hour + ":" + when.minute + ":" + when.second + " " + when.dayPeriod + " " + when.timeZoneName;
}

function age(iso) {
  const minutes = Math.floor((serverNow() - new Date(iso)) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return minutes + " min ago";
  if (minutes < 48 * 60) return Math.floor(minutes / 60) + " h ago";
  return Math.floor(minutes / 1440) + " days ago";
}

function refreshAges() {
  for (const span of document.querySelectorAll("#incidents .age[data-at]")) span.textContent = age(span.dataset.at);
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

function section(title) {
  const part = el("section");
  part.appendChild(el("h3", {}, title));
  return part;
}

function table(headers, rows) {
  const grid = el("table");
  const head = el("tr");
  for (const header of headers) head.appendChild(el("th", {}, header));
  grid.appendChild(head);
  for (const row of rows) {
    const line = el("tr");
    for (const cell of row) line.appendChild(el("td", {}, cell === null || cell === undefined ? "" : cell));
    grid.appendChild(line);
  }
  return grid;
}

// The details sit beside the list on a wide screen and take the list's place on a narrow one
// (the CSS decides from .detail-open); either way a click scrolls them into view if needed,
// a poll's redraw does not move the page.
function showPanel(reveal) {
  const panel = document.getElementById("timeline");
  panel.hidden = false;
  document.querySelector(".map-layout").classList.add("detail-open");
  if (!reveal) return;
  const box = panel.getBoundingClientRect();
  if (box.top < 0 || box.top > window.innerHeight * 0.5) panel.scrollIntoView({block: "start"});
}

function closePanel() {
  const card = state.open && document.querySelector("#incidents button[data-id='" + CSS.escape(state.open) + "']");
  state.open = null;
  document.getElementById("timeline").hidden = true;
  document.querySelector(".map-layout").classList.remove("detail-open");
  // Back where the coordinator was in the list, with the keyboard there too.
  if (card) { card.scrollIntoView({block: "center"}); card.focus({preventScroll: true}); }
}

async function openIncident(id, reveal = true) {
  state.open = id;
  const panel = document.getElementById("timeline");
  let incident;
  try {
    incident = await getJSON("/dashboard/api/incidents/" + encodeURIComponent(id));
  } catch (problem) {
    panel.replaceChildren(el("p", {"class": "error"}, "Could not load " + id + ": " + problem.message));
    showPanel(reveal);
    return;
  }
  panel.replaceChildren();
  const back = el("button", {"type": "button", "class": "back"}, "← Back to the list");
  back.addEventListener("click", closePanel);
  panel.appendChild(back);
  const close = el("button", {"type": "button", "class": "close", "aria-label": "Close timeline"}, "×");
  close.addEventListener("click", closePanel);
  panel.appendChild(close);
  panel.appendChild(el("h2", {}, incident.id));
  const facts = el("dl", {"class": "facts"});
  const shown = [["Status", incident.status + (incident.outcome ? " (" + incident.outcome + ")" : "")],
                 ["Occurred", cityTime(incident.occurred_at)],
                 ["Where", incident.location || "(no location given)"],
                 ["Victims", String(incident.victims) + (incident.fatal ? ", fatal" : "")],
                 ["Teams", incident.teams.map((t) => t.team_id).join(", ") || "none: coordinators"]];
  if (incident.hospital) shown.push(["Hospital", incident.hospital]);
  for (const [term, value] of shown) {
    facts.appendChild(el("dt", {}, term));
    facts.appendChild(el("dd", {}, value));
  }
  panel.appendChild(facts);

  const events = section("Timeline");
  const list = el("ol", {"class": "events"});
  for (const entry of incident.timeline) {
    const item = el("li", {"class": "event " + entry.action});
    item.appendChild(el("time", {"datetime": entry.at}, cityTime(entry.at)));
    item.appendChild(el("span", {"class": "action"}, entry.action));
    item.appendChild(el("span", {"class": "actor"}, entry.actor + (entry.channel ? " via " + entry.channel : "")));
    if (entry.detail) item.appendChild(el("span", {"class": "detail"}, entry.detail));
    list.appendChild(item);
  }
  events.appendChild(list);
  panel.appendChild(events);

  const sent = section("Deliveries");
  sent.appendChild(table(["To", "Channel", "Kind", "Status", "Tries"],
    incident.deliveries.map((d) => [(d.recipient_name || "") + " " + d.recipient, d.channel, d.kind,
                                     d.status, d.attempts])));
  panel.appendChild(sent);

  if (incident.links.length) {
    const links = section("Linked incidents");
    const items = el("ul");
    for (const link of incident.links) {
      const button = el("button", {"type": "button", "class": "link"},
                        link.incident + " · " + Math.round(link.distance_m) + " m, " + link.hours.toFixed(1) + " h apart");
      button.addEventListener("click", () => openIncident(link.incident));
      const item = el("li"); item.appendChild(button); items.appendChild(item);
    }
    links.appendChild(items);
    panel.appendChild(links);
  }
  showPanel(reveal);
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
