// The reports page: per team and month, from /dashboard/api/report; a chart of incidents per
// month and team with its key, the table (it scrolls sideways, the team column stays), and the
// same rows as a CSV download.
"use strict";

const LABELS = {
  team: "Team", month: "Month", incidents: "Incidents", ack_median_min: "Ack median (min)",
  ack_p90_min: "Ack p90 (min)", acked_10min_pct: "Acked ≤10 min (%)",
  scene_median_min: "On scene median (min)", scene_p90_min: "On scene p90 (min)",
  still_open: "Still open", followups_due: "Follow-ups due", followups_done: "Follow-ups done",
  takedowns: "Takedowns", takedown_steps_sent: "Takedown steps sent",
  takedown_steps_answered: "Takedown steps answered",
};
const COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
                 "#9c755f", "#e15759", "#bab0ac"];

function query() {
  const form = document.getElementById("report-range");
  const params = new URLSearchParams();
  for (const name of ["since", "until"]) {
    if (form.elements[name].value) params.set(name, form.elements[name].value);
  }
  return params.toString();
}

function drawTable(rows) {
  const grid = document.getElementById("report");
  grid.replaceChildren();
  if (!rows.length) return;
  const columns = Object.keys(rows[0]);
  const head = el("tr");
  for (const column of columns) head.appendChild(el("th", {"scope": "col"}, LABELS[column] || column.replace(/_/g, " ")));
  grid.appendChild(head);
  for (const row of rows) {
    const line = el("tr");
    for (const column of columns) line.appendChild(el("td", {}, row[column] === null ? "–" : row[column]));
    grid.appendChild(line);
  }
}

// The months of [since, until) as "YYYY-MM": every one of them, so a month without incidents
// is drawn as zero rather than skipped over.
function monthsOf(since, until) {
  const months = [];
  let [year, month] = since.split("-").map(Number);
  for (;;) {
    const key = year + "-" + String(month).padStart(2, "0");
    if (key + "-01" >= until) break;
    months.push(key);
    if (++month > 12) { month = 1; year += 1; }
  }
  return months;
}

function monthLabel(key, first) {
  const [year, month] = key.split("-").map(Number);
  const name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1];
  return first || month === 1 ? name + " " + year : name;
}

// Incidents per month, one line per team in its colour, named in the key below the chart.
function drawChart(rows, since, until) {
  const chart = document.getElementById("chart");
  const key = document.getElementById("chart-key");
  chart.replaceChildren();
  key.replaceChildren();
  const months = monthsOf(since, until);
  const teams = [...new Set(rows.map((r) => r.team))].sort();
  const width = 800, height = 240, left = 40, bottom = 30, top = 20, right = 30;
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  if (!months.length || !teams.length) return;
  const most = Math.max(1, ...rows.map((r) => r.incidents));
  const x = (i) => left + (months.length === 1 ? 0.5 : i / (months.length - 1)) * (width - left - right);
  const y = (v) => height - bottom - v / most * (height - top - bottom);
  chart.appendChild(svg("line", {"x1": left, "y1": y(0), "x2": width - right, "y2": y(0), "class": "axis"}));
  chart.appendChild(svg("line", {"x1": left, "y1": y(0), "x2": left, "y2": top, "class": "axis"}));
  chart.appendChild(svg("text", {"x": 4, "y": y(most) + 4}, String(most)));
  chart.appendChild(svg("text", {"x": 4, "y": y(0)}, "0"));
  // At most about twelve month labels, so they do not run into each other.
  const every = Math.ceil(months.length / 12);
  months.forEach((month, i) => {
    if (i % every === 0) {
      chart.appendChild(svg("text", {"x": x(i), "y": height - 8, "text-anchor": "middle"}, monthLabel(month, i === 0)));
    }
  });
  teams.forEach((team, t) => {
    const colour = COLOURS[t % COLOURS.length];
    const counts = months.map((month) => {
      const row = rows.find((r) => r.team === team && r.month === month);
      return row ? row.incidents : 0;
    });
    chart.appendChild(svg("polyline", {"points": counts.map((n, i) => `${x(i)},${y(n)}`).join(" "),
                                       "class": "series", "stroke": colour, "data-team": team}));
    counts.forEach((n, i) => chart.appendChild(svg("circle", {"cx": x(i), "cy": y(n), "r": 3, "fill": colour})));
    const item = el("li", {"class": "series-key"});
    const swatch = el("span", {"class": "swatch", "aria-hidden": "true"});
    swatch.style.setProperty("background-color", colour);
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(team));
    key.appendChild(item);
  });
  chart.appendChild(svg("text", {"x": left + 6, "y": top - 6}, "incidents per month"));
}

async function load() {
  const params = query();
  document.getElementById("csv").setAttribute("href", "/dashboard/api/report.csv" + (params ? "?" + params : ""));
  const response = await fetch("/dashboard/api/report" + (params ? "?" + params : ""),
                               {credentials: "same-origin", headers: {"Accept": "application/json"}});
  if (response.status === 401) { window.location.assign("/signin"); return; }
  const answer = await response.json();
  const empty = document.getElementById("report-empty");
  if (!response.ok) {
    empty.hidden = false;
    empty.textContent = answer.error || "could not load the report";
    return;
  }
  const form = document.getElementById("report-range");
  form.elements.since.value = answer.since;
  form.elements.until.value = answer.until;
  empty.hidden = answer.rows.length > 0;
  empty.textContent = "No incidents or takedowns between " + answer.since + " and " + answer.until + ".";
  drawTable(answer.rows);
  drawChart(answer.rows, answer.since, answer.until);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("report-range").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
});
