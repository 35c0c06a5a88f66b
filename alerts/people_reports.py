"""A shooting reported by a person (a hospital call, a community tip) before the feed has it:
the form's words made into the incident JSON the feed would post, or the fields that are wrong.

The place may be a team (its catchment), `precinct:N`, `nta:CODE`, `zip:N` or coordinates
(`40.81, -73.92`); a named area becomes a point surely inside it, so the report routes as an
incident there would. Cross streets stay text: cmsbot never guesses a point from them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from alerts.incident import Incident, IncidentError, parse_incident
from alerts.sites import Sites

SOURCES = ("hospital-call", "community-tip", "staff", "other")
# A report up to this far ahead of now (a clock set a little fast) is taken as now.
_AHEAD = timedelta(minutes=10)
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


class ReportError(ValueError):
    """A field of the form that cannot be used: `field` names it for the form to show."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ReportForm:
    """What the person wrote, as text (a Slack modal and a web form give the same)."""

    place: str
    cross_streets: str = ""
    time: str = ""
    victims: str = ""
    fatal: bool = False
    source: str = "other"


@dataclass(frozen=True)
class Located:
    """Where a report is: a point, the precinct when the place named one, and its words."""

    lat: float
    lon: float
    precinct: int | None
    label: str


def report_id(reporter: str, nonce: str) -> str:
    """The incident id: the same form sent twice (a double click, a retry) is one incident."""
    digest = hashlib.blake2b(f"{reporter}\x1f{nonce}".encode(), digest_size=5).hexdigest()
    return f"CMS-{digest.upper()}"


def reported_incident(form: ReportForm, sites: Sites, now: datetime, incident_id: str) -> Incident:
    """The incident the form describes; ReportError naming the first field that is wrong."""
    located = locate(form.place, sites)
    if form.source not in SOURCES:
        raise ReportError("source", f"choose one of {', '.join(SOURCES)}")
    words = " ".join(form.cross_streets.split())[:120]
    payload: dict[str, object] = {
        "id": incident_id, "occurred_at": report_time(form.time, now, sites.tz).isoformat(),
        "lat": located.lat, "lon": located.lon, "fatal": form.fatal, "source": form.source,
        "location": (f"{words} ({located.label})" if words else located.label).upper(),
        "victims": _victims(form.victims), "verified": False}
    if located.precinct is not None:
        payload["precinct"] = located.precinct
    try:
        return parse_incident(payload)
    except IncidentError as exc:
        raise ReportError(exc.field or "place", str(exc)) from None


def locate(place: str, sites: Sites) -> Located:
    """The point a place names; ReportError("place") when it names none."""
    text = " ".join(place.split())
    match = _COORDINATES.match(text)
    if match:
        lat, lon = float(match[1]), float(match[2])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ReportError("place", "coordinates are latitude, longitude: e.g. 40.81, -73.92")
        return Located(round(lat, 6), round(lon, 6), None, f"{lat:.5f}, {lon:.5f}")
    key = text.lower()
    team = next((t for t in sites.teams if key in (t.id, f"team:{t.id}", t.name.lower())), None)
    shape_id = f"team:{team.id}" if team else key
    shape = sites.shapes.get(shape_id)
    if shape is None or shape.is_empty:
        raise ReportError("place", f"{text[:40]!r} is not a team, precinct:N, nta:CODE, "
                                   "zip:N or coordinates (40.81, -73.92)")
    inside = shape.point_on_surface()
    lon, lat = sites.index.projection.lonlat(inside.x, inside.y)
    precinct = int(key.split(":", 1)[1]) if key.startswith("precinct:") else None
    return Located(round(lat, 6), round(lon, 6), precinct, team.name if team else text)


def report_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    """When it happened: empty or "now", a clock time today ("23:15", "11pm"; yesterday when
    that is still to come), or an ISO time with its zone."""
    cleaned = text.strip().lower()
    if cleaned in ("", "now"):
        return now
    match = _CLOCK.match(cleaned)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if match[3]:
            hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ReportError("time", "a clock time like 23:15 or 11pm")
        local = now.astimezone(tz)
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return moment - timedelta(days=1) if moment > local + _AHEAD else moment
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReportError("time", "a clock time like 23:15, or now") from None
    if moment.tzinfo is None:
        raise ReportError("time", "a full time needs its zone, e.g. 2026-07-04T23:15-04:00")
    if moment > now + _AHEAD:
        raise ReportError("time", "that is in the future")
    return moment


def _victims(text: str) -> int | None:
    cleaned = text.strip().lower()
    if cleaned in ("", "unknown", "?"):
        return None
    if not cleaned.isdigit() or int(cleaned) > 50:
        raise ReportError("victims", "a number of victims (0 for shots fired), or leave it empty")
    return int(cleaned)
