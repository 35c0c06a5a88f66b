// Times on the map page: in the city's zone (the sites file's tz, from /dashboard/api/map) and
// ages counted from the server's clock, whatever the browser's zone or clock. Reads `state`.
"use strict";

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

// A timeline detail's ISO moments ("occurred 2026-12-06T04:10:00+00:00") in the city's time.
const ISO_MOMENT = /\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)/g;
function cityTimesIn(text) {
  return String(text).replace(ISO_MOMENT, (moment) => cityTime(moment));
}
