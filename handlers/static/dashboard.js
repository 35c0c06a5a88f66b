// The map page: the incident list, the legend and the time range, from /dashboard/api/map;
// map.js draws the map (Leaflet), timeline.js shows an incident, times.js formats times.
// Everything from the server is inserted as text, never as markup. It polls
// /dashboard/api/changes and redraws when anything changed.
"use strict";

const STATE_CLASS = {"open": "open", "acknowledged": "acked", "on scene": "scene", "closed": "closed"};
const state = {range: "24h", version: null, open: null, data: null, loadedAt: 0};

async function getJSON(url) {
  const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
  if (response.status === 401) { window.location.assign("/signin"); throw new Error("signed out"); }
  if (!response.ok) throw new Error(url + ": HTTP " + response.status);
  return response.json();
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

function drawFeeds(data) {
  const sources = data.sources || [];
  document.getElementById("feeds-panel").hidden = sources.length === 0;
  const list = document.getElementById("feeds");
  list.replaceChildren();
  for (const feed of sources) {
    const heard = feed.last_seen_at
      ? "last heard " + cityTime(feed.last_seen_at) + " (" + age(feed.last_seen_at) + " ago)"
      : "not heard from yet";
    const item = el("li", {"class": "feed" + (feed.overdue ? " overdue" : "")});
    item.appendChild(el("strong", {}, feed.source));
    item.appendChild(el("span", {}, " · " + heard + " · "));
    item.appendChild(el("span", {"class": "verdict"}, feed.overdue ? "OVERDUE: check the feed" : "ok"));
    list.appendChild(item);
  }
}

async function load() {
  const data = await getJSON("/dashboard/api/map?range=" + encodeURIComponent(state.range));
  state.data = data;
  state.loadedAt = Date.now();
  state.version = data.version;
  // The list first: it is what matters most, and it stands even if the map cannot be drawn.
  drawList(data);
  drawFeeds(data);
  drawLegend(data);
  drawMap(data);
  document.getElementById("updated").textContent = "updated " + clockTime(serverNow());
  for (const button of document.querySelectorAll("[data-range]")) {
    button.setAttribute("aria-pressed", String(button.dataset.range === state.range));
  }
  if (state.open) await openIncident(state.open, false);
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
  load().then(() => setTimeout(poll, 5000)).catch((problem) => {
    document.getElementById("updated").textContent = "could not load the map: " + problem.message;
  });
});
