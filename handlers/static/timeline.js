// An incident's details and timeline, beside the list on a wide screen and in its place on a
// narrow one (dashboard.css decides from .detail-open). Uses dashboard.js's state and getJSON.
"use strict";

function teamName(id) {
  const team = state.data && state.data.teams.find((t) => t.id === id);
  return team ? team.name : id;
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
                 ["Victims", victimCount(incident.victims) + (incident.fatal ? ", fatal" : "")],
                 ["Teams", incident.teams.map((t) => teamName(t.team_id)).join(", ") || "none: coordinators"]];
  if (incident.type && incident.type !== "shooting") shown.splice(1, 0, ["Type", incident.type]);
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
    if (entry.detail) item.appendChild(el("span", {"class": "detail"}, cityTimesIn(entry.detail)));
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

// 0 and a missing count are different facts: neither may read as one victim.
function victimCount(victims) {
  if (victims === undefined || victims === null) return "unknown";
  if (victims === 0) return "shots fired, no one hit";
  return String(victims);
}
