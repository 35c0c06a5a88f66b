"""A shooting incident as reported by a feed, validated once so everything downstream can trust it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.incident_types import BUILTIN_TYPES, SHOOTING, allowed

ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}"  # and the end: \Z here, $ in the OpenAPI document
TEXT_LIMITS = {"borough": 40, "location": 200, "hospital": 120, "source": 40}
_ID = re.compile(ID_PATTERN + r"\Z")


class IncidentError(ValueError):
    """An incident payload was refused; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Incident:
    """A validated incident. `lat`/`lon` are None when the feed had no usable coordinates."""

    id: str
    occurred_at: datetime
    lat: float | None
    lon: float | None
    precinct: int | None = None
    borough: str | None = None
    fatal: bool = False
    victims: int | None = None  # None: the feed did not say; 0: shots fired, no one hit
    location: str | None = None
    hospital: str | None = None
    source: str | None = None
    verified: bool | None = None
    # "shooting" from the feed; "takedown" for a post-takedown reminder, which staff answer
    # the same way (acknowledge, report, escalation) and whose `title` says which step.
    kind: str = "shooting"
    title: str | None = None
    # What the feed says happened (alerts.incident_types): not `kind`, which says what cmsbot
    # is paging for. Teams may take only some types; a police-involved one notifies no resident.
    type: str = SHOOTING

    @property
    def has_point(self) -> bool:
        """True when the incident can be placed on the map."""
        return self.lat is not None and self.lon is not None

    def to_json(self) -> dict[str, object]:
        """The incident in the ingest API's JSON shape (None fields left out)."""
        data: dict[str, object] = {
            "id": self.id, "occurred_at": self.occurred_at.isoformat(),
            "lat": self.lat, "lon": self.lon, "precinct": self.precinct,
            "borough": self.borough, "fatal": self.fatal, "victims": self.victims,
            "location": self.location, "hospital": self.hospital, "source": self.source,
            "verified": self.verified, "type": self.type,
        }
        return {key: value for key, value in data.items() if value is not None}


def parse_incident(payload: object, types: Sequence[str] = BUILTIN_TYPES) -> Incident:
    """Validate an ingest payload; raise IncidentError naming the first bad field.

    `types` are the incident types the sites file allows (the built-in three by default).
    """
    if not isinstance(payload, Mapping):
        raise IncidentError("body", "must be a JSON object")
    # Unknown fields are ignored, not refused: a feed that adds a field must not lose alerts.
    incident_id = _required(payload, "id")
    if not isinstance(incident_id, str) or not _ID.match(incident_id):
        raise IncidentError("id", "must be 1-80 letters, digits or . _ : - (starting alphanumeric)")
    lat, lon = _coordinates(payload)
    precinct = _optional_int(payload, "precinct", 1, 999)
    if lat is None and precinct is None:
        raise IncidentError("lat", "is required (or give a precinct to route by)")
    return Incident(
        id=incident_id,
        occurred_at=_timestamp(_required(payload, "occurred_at")),
        lat=lat,
        lon=lon,
        precinct=precinct,
        fatal=_optional_bool(payload, "fatal") or False,
        victims=_optional_int(payload, "victims", 0, 100),
        verified=_optional_bool(payload, "verified"),
        borough=_optional_text(payload, "borough"),
        location=_optional_text(payload, "location"),
        hospital=_optional_text(payload, "hospital"),
        source=_optional_text(payload, "source"),
        type=_type(payload, types),
    )


def _type(payload: Mapping[str, object], types: Sequence[str]) -> str:
    value = payload.get("type")
    if value is None:
        return SHOOTING
    if not isinstance(value, str) or value not in types:
        got = f"{value[:40]!r}" if isinstance(value, str) else "that"
        raise IncidentError("type", f"unknown type {got}; expected one of {allowed(types)}")
    return value


def _required(payload: Mapping[str, object], field: str) -> object:
    if payload.get(field) is None:
        raise IncidentError(field, "is required")
    return payload[field]


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise IncidentError("occurred_at", "must be an ISO 8601 string with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise IncidentError("occurred_at", f"{value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise IncidentError("occurred_at", "needs a UTC offset, e.g. 2026-07-04T23:15:00-04:00")
    if not 1 < parsed.year < 9999:  # a day's margin, so that every time zone can show it
        raise IncidentError("occurred_at", f"{value[:40]!r} is out of range")
    return parsed


def _coordinates(payload: Mapping[str, object]) -> tuple[float | None, float | None]:
    lat, lon = payload.get("lat"), payload.get("lon")
    if lat is None and lon is None:
        return None, None
    lat_value, lon_value = _number("lat", lat), _number("lon", lon)
    # NYPD publishes 0,0 for incidents it could not geocode: treat it as "no point".
    if lat_value == 0 and lon_value == 0:
        return None, None
    if not -90 <= lat_value <= 90:
        raise IncidentError("lat", "must be between -90 and 90")
    if not -180 <= lon_value <= 180:
        raise IncidentError("lon", "must be between -180 and 180")
    return lat_value, lon_value


def _number(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IncidentError(field, "must be a number")
    try:
        number = float(value)
    except OverflowError:  # JSON integers have no size limit; floats do
        number = math.inf
    if not math.isfinite(number):
        raise IncidentError(field, "must be a finite number")
    return number


def _optional_int(payload: Mapping[str, object], field: str, low: int, high: int) -> int | None:
    value = payload.get(field)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdecimal():  # not isdigit: int() refuses "²"
        try:
            value = int(value.strip())  # feeds send precincts as "75" as often as 75
        except ValueError:  # more digits than int() reads (4300)
            raise IncidentError(field, f"must be between {low} and {high}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise IncidentError(field, "must be a whole number")
    if not low <= value <= high:
        raise IncidentError(field, f"must be between {low} and {high}")
    return value


def _optional_bool(payload: Mapping[str, object], field: str) -> bool | None:
    value = payload.get(field)
    if value is None or isinstance(value, bool):
        return value
    raise IncidentError(field, "must be true or false")


def _optional_text(payload: Mapping[str, object], field: str) -> str | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise IncidentError(field, "must be a string")
    cleaned = " ".join(value.split())
    if len(cleaned) > TEXT_LIMITS[field]:
        raise IncidentError(field, f"must be at most {TEXT_LIMITS[field]} characters")
    return cleaned or None
