"""What `GET /api/incidents` is asked for: its filters, page size and cursor, checked once.

`parse_query(pairs, ...) -> IncidentQuery` is pure: a bad parameter is a QueryError naming it,
so the API can answer 400 with the field, and the store trusts what it is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.incident import TEXT_LIMITS
from alerts.incident_types import allowed
from alerts.page_cursor import CursorError, Position, decode_cursor
from alerts.states import IncidentStatus

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PARAMETERS = ("since", "until", "team", "status", "source", "type", "limit", "cursor")
STATUSES = tuple(status.value for status in IncidentStatus)
# A "+" left unencoded in a query string arrives as a space: "...T23:15:00 04:00".
_LOST_PLUS = re.compile(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)\Z")


class QueryError(ValueError):
    """A query parameter was refused; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class IncidentQuery:
    """Incidents wanted, newest first: since <= occurred_at < until, and the rest exactly."""

    since: datetime | None = None
    until: datetime | None = None
    team: str | None = None
    status: str | None = None
    source: str | None = None
    type: str | None = None
    limit: int = DEFAULT_LIMIT
    after: Position | None = None  # from the cursor: the last incident of the page before


def parse_query(pairs: Sequence[tuple[str, str]], teams: Sequence[str], types: Sequence[str],
                cursor_key: bytes) -> IncidentQuery:
    """Check every parameter (each at most once); QueryError for the first that is wrong."""
    given: dict[str, str] = {}
    for name, value in pairs:
        if name not in PARAMETERS:
            raise QueryError(name, f"unknown parameter; expected one of {allowed(PARAMETERS)}")
        if name in given:
            raise QueryError(name, "give it once")
        given[name] = value
    query = IncidentQuery(
        since=_moment("since", given.get("since")),
        until=_moment("until", given.get("until")),
        team=_one_of("team", given.get("team"), teams),
        status=_one_of("status", given.get("status"), STATUSES),
        source=_source(given.get("source")),
        type=_one_of("type", given.get("type"), types),
        limit=_limit(given.get("limit")),
        after=_after(given.get("cursor"), cursor_key),
    )
    if query.since and query.until and query.since >= query.until:
        raise QueryError("until", "must be later than since")
    return query


def _moment(field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    text = _LOST_PLUS.sub(r"\1+\2", value.strip())
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(field, f"{value[:40]!r} is not an ISO 8601 time, e.g. "
                                "2026-07-04T23:15:00-04:00") from None
    if moment.utcoffset() is None:
        raise QueryError(field, "needs a UTC offset, e.g. 2026-07-04T23:15:00-04:00 or "
                                "2026-07-05T03:15:00Z")
    if not 1 < moment.year < 9999:  # a day's margin, so that it converts to UTC
        raise QueryError(field, f"{value[:40]!r} is out of range")
    return moment


def _one_of(field: str, value: str | None, choices: Sequence[str]) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise QueryError(field, f"unknown {field} {value[:40]!r}; expected one of "
                                f"{allowed(choices)}")
    return value


def _source(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())  # as ingest stores it
    if not cleaned or not cleaned.isprintable() or len(cleaned) > TEXT_LIMITS["source"]:
        raise QueryError("source", f"must be a source name of 1-{TEXT_LIMITS['source']} "
                                   "printable characters, e.g. nypd-patrol")
    return cleaned


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    text = value.strip()
    number = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0
    if not 1 <= number <= MAX_LIMIT:
        raise QueryError("limit", f"must be a whole number from 1 to {MAX_LIMIT}, not "
                                  f"{value[:20]!r}")
    return number


def _after(value: str | None, key: bytes) -> Position | None:
    if value is None:
        return None
    try:
        return decode_cursor(value, key)
    except CursorError as exc:
        raise QueryError("cursor", str(exc)) from None
