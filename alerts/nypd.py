"""NYPD "Shooting Incident Data" CSV rows (one per victim) -> incidents in cmsbot's ingest shape.

Columns are read by name, ignoring case, spaces and a BOM, so every layout works: "historic"
(`Lon_Lat`; `8/27/06`, `5:35:00`, TRUE/FALSE), "ytd" (`(null)`, `"1,006,621"`, true/Y, lat/lon
empty or 0 on a few rows), "combined" (`SOURCE_FILE`; ISO dates). Only REQUIRED_COLUMNS, which
all layouts share, are required: BORO, JURISDICTION_CODE, LOCATION_DESC, LOC_OF_OCCUR_DESC and
X/Y_COORD_CD are used when present, as routing needs only a point or a precinct.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from alerts.stateplane import to_lat_lon

NEW_YORK = ZoneInfo("America/New_York")
REQUIRED_COLUMNS = ("INCIDENT_KEY", "OCCUR_DATE", "OCCUR_TIME", "PRECINCT",
                    "STATISTICAL_MURDER_FLAG", "Latitude", "Longitude")
Layout = Literal["historic", "ytd", "combined"]
CoordinatesFrom = Literal["latlon", "stateplane", "none"]
_Fields = Mapping[str, object]

_FLAGS = {"true": True, "y": True, "false": False, "n": False}
_JURISDICTIONS = {"0": "PATROL", "1": "TRANSIT", "2": "HOUSING"}
_RANK: dict[CoordinatesFrom, int] = {"none": 0, "stateplane": 1, "latlon": 2}
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,74}")  # "NYPD-" + key passes ingest's id rule
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


@dataclass(frozen=True)
class RowProblem:
    """A data line that did not become part of an incident, and why (naming the field)."""

    line: int
    incident_key: str | None
    reason: str


@dataclass(frozen=True)
class NypdIncident:
    """One shooting: the victim rows that share an INCIDENT_KEY (`lines` are theirs)."""

    key: str
    occurred_at: datetime
    lat: float | None
    lon: float | None
    coordinates_from: CoordinatesFrom
    precinct: int | None
    borough: str | None
    victims: int
    fatal: bool
    location: str | None
    jurisdiction: str | None
    lines: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        """The incident as an ingest API payload; fields without a value are left out."""
        data: dict[str, object | None] = {
            "id": f"NYPD-{self.key}", "occurred_at": self.occurred_at.isoformat(),
            "lat": self.lat, "lon": self.lon, "precinct": self.precinct,
            "borough": self.borough, "fatal": self.fatal, "victims": self.victims,
            "location": self.location, "source": "nypd-csv", "verified": True,
        }
        return {name: value for name, value in data.items() if value is not None}


class _Problem(ValueError):
    """A row cannot be used; the message names the field."""


def detect_columns(fieldnames: Sequence[str]) -> Layout:
    """Which NYPD layout a header is; ValueError naming the required columns it lacks."""
    names = {_column(name) for name in fieldnames}
    missing = [name for name in REQUIRED_COLUMNS if name.upper() not in names]
    if missing:
        raise ValueError(f"not an NYPD shooting incident file: no {', '.join(missing)} column")
    if "SOURCE_FILE" in names:
        return "combined"
    return "historic" if "LON_LAT" in names else "ytd"


def group_rows(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> tuple[list[NypdIncident], list[RowProblem]]:
    """Group (line, row) pairs into incidents in first-seen order; each line ends up in
    exactly one incident's `lines` or in one problem."""
    incidents: dict[str, NypdIncident] = {}
    problems: list[RowProblem] = []
    for line, raw in rows:
        fields = {_column(name): value for name, value in raw.items() if isinstance(name, str)}
        try:
            victim = _parse(fields, line)
            first = incidents.get(victim.key)
            incidents[victim.key] = victim if first is None else _merge(first, victim)
        except _Problem as problem:
            problems.append(RowProblem(line, _text(fields, "INCIDENT_KEY"), str(problem)))
    return list(incidents.values()), problems


def _merge(first: NypdIncident, victim: NypdIncident) -> NypdIncident:
    # Victim rows must describe the same shooting. If one does not, the first row stands and
    # the disagreeing line becomes a problem: folding it in would hide a data error.
    for field, mine, theirs in (
        ("OCCUR_DATE", first.occurred_at.date(), victim.occurred_at.date()),
        ("OCCUR_TIME", first.occurred_at.time(), victim.occurred_at.time()),
        ("PRECINCT", first.precinct, victim.precinct),
    ):
        if mine != theirs:
            raise _Problem(f"{field}: {theirs} disagrees with {mine} on line {first.lines[0]}, "
                           f"the first row of incident {first.key}")
    # The first row's missing point should not hide a later victim row's better one.
    point = victim if _RANK[victim.coordinates_from] > _RANK[first.coordinates_from] else first
    return replace(first, victims=first.victims + 1, fatal=first.fatal or victim.fatal,
                   lines=(*first.lines, *victim.lines), lat=point.lat, lon=point.lon,
                   coordinates_from=point.coordinates_from)


def _parse(fields: _Fields, line: int) -> NypdIncident:
    absent = [name for name in ("INCIDENT_KEY", "OCCUR_DATE") if name not in fields]
    if absent:
        raise _Problem(f"unknown column set: no {' or '.join(absent)} column")
    key = _required(fields, "INCIDENT_KEY")
    if not _KEY.fullmatch(key):
        raise _Problem(f"INCIDENT_KEY: {key!r} is not a usable key")
    occurred_at = _occurred_at(fields)
    lat, lon, source = _coordinates(fields)
    precinct = _precinct(fields)
    if source == "none" and precinct is None:
        # The ingest API refuses such a payload too; say so here, with the line number.
        raise _Problem("Latitude/Longitude, X_COORD_CD/Y_COORD_CD and PRECINCT all missing")
    code = _text(fields, "JURISDICTION_CODE")
    return NypdIncident(
        key=key, occurred_at=occurred_at, lat=lat, lon=lon, coordinates_from=source,
        precinct=precinct, borough=_text(fields, "BORO"), victims=1, fatal=_fatal(fields),
        location=_location(fields), lines=(line,),
        jurisdiction=None if code is None else _JURISDICTIONS.get(code, code),
    )


def _column(name: str) -> str:
    return name.lstrip("\ufeff").strip().upper()


def _text(fields: _Fields, name: str) -> str | None:
    value = fields.get(name.upper())  # DictReader fills a short row's cells with None
    cleaned = " ".join(value.split()) if isinstance(value, str) else ""
    return None if cleaned == "" or cleaned.lower() == "(null)" else cleaned


def _required(fields: _Fields, name: str) -> str:
    if (value := _text(fields, name)) is None:
        raise _Problem(f"{name}: missing")
    return value


def _occurred_at(fields: _Fields) -> datetime:
    raw_date, raw_time = _required(fields, "OCCUR_DATE"), _required(fields, "OCCUR_TIME")
    try:
        if match := _ISO_DATE.fullmatch(raw_date):
            year, month, day = map(int, match.groups())
        elif match := _US_DATE.fullmatch(raw_date):
            month, day, year = map(int, match.groups())
            if len(match[3]) == 2:  # spreadsheet resaves: 8/27/06 is 2006, 12/31/99 is 1999
                year += 2000 if year <= 69 else 1900
        day_of = date(year, month, day) if match else None
    except ValueError:  # month 13, February 30...
        day_of = None
    if day_of is None:
        raise _Problem(f"OCCUR_DATE: {raw_date!r} is not a date")
    clock = _TIME.fullmatch(raw_time)
    if not clock or int(clock[1]) > 23 or int(clock[2]) > 59 or int(clock[3] or 0) > 59:
        raise _Problem(f"OCCUR_TIME: {raw_time!r} is not a time")
    at = time(int(clock[1]), int(clock[2]), int(clock[3] or 0))
    # fold=0 takes the first 01:xx when clocks fall back. A spring-forward gap time does not
    # exist; the round trip through UTC moves it on (02:30 -> 03:30 EDT) so that occurred_at
    # is always a real New York wall-clock time.
    try:
        return datetime.combine(day_of, at, tzinfo=NEW_YORK).astimezone(UTC).astimezone(NEW_YORK)
    except OverflowError:  # the evening of 12/31/9999 is past the last day UTC has
        raise _Problem(f"OCCUR_DATE: {raw_date!r} is out of range") from None


def _number(fields: _Fields, name: str) -> float | None:
    value = _text(fields, name)
    if value is None:
        return None
    try:
        number = float(value.replace(",", ""))  # the YTD exports write "1,006,621"
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _Problem(f"{name}: {value!r} is not a number")
    return number


def _coordinates(fields: _Fields) -> tuple[float | None, float | None, CoordinatesFrom]:
    lat, lon = _number(fields, "Latitude"), _number(fields, "Longitude")
    if lat and lon:  # NYPD leaves a point it could not geocode empty, or writes 0, 0
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _Problem(f"Latitude/Longitude: ({lat}, {lon}) is not a point on Earth")
        return lat, lon, "latlon"
    x_ft, y_ft = _number(fields, "X_COORD_CD"), _number(fields, "Y_COORD_CD")
    if x_ft and y_ft:
        try:
            lat, lon = to_lat_lon(x_ft, y_ft)
        except OverflowError:  # so far off the map that the projection overflows
            lat = lon = math.nan
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _Problem(f"X_COORD_CD/Y_COORD_CD: ({x_ft}, {y_ft}) is not a point on Earth")
        return lat, lon, "stateplane"
    return None, None, "none"


def _precinct(fields: _Fields) -> int | None:
    value = _text(fields, "PRECINCT")
    # Three digits after any zeros, checked first: int() refuses a wall of digits (over 4300).
    if value is not None and not (value.isascii() and value.isdigit()
                                  and len(value.lstrip("0")) <= 3 and int(value) > 0):
        raise _Problem(f"PRECINCT: {value!r} is not a precinct number")
    return None if value is None else int(value)


def _fatal(fields: _Fields) -> bool:
    value = _text(fields, "STATISTICAL_MURDER_FLAG")
    if value is not None and value.lower() not in _FLAGS:
        raise _Problem(f"STATISTICAL_MURDER_FLAG: {value!r} is not TRUE/FALSE/Y/N")
    return value is not None and _FLAGS[value.lower()]  # an absent flag is not a murder


def _location(fields: _Fields) -> str | None:
    # NYPD writes NONE for "no particular premises"; INSIDE/OUTSIDE is better than nothing.
    for name in ("LOCATION_DESC", "LOC_OF_OCCUR_DESC"):
        value = _text(fields, name)
        if value is not None and value.upper() != "NONE":
            return value
    return None
