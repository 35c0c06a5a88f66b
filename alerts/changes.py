"""What an update changes in a known incident, and which of its changes staff must hear of.

A PATCH names the fields it changes; a re-post of the same id says what the feed knows now and
changes what it says, never what it leaves out (a feed that drops `hospital` from a later post
has not un-known it, and no feed undoes a death: that takes a deliberate PATCH).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from alerts.incident import Incident, IncidentError, parse_incident

# The incident JSON's fields (alerts.incident.Incident.to_json), in the order changes are shown.
FIELDS = ("occurred_at", "lat", "lon", "precinct", "borough", "fatal", "victims", "location",
          "hospital", "source", "verified")
# Fields whose change moves the incident to another place: routing is decided again.
PLACE = frozenset({"lat", "lon", "precinct"})
# What staff already paged are texted about; the rest only goes on the timeline.
TOLD = frozenset({"fatal", "victims", "hospital", "location", "lat", "lon"})


@dataclass(frozen=True)
class Change:
    """One field's value before and after an update."""

    field: str
    old: object
    new: object


def patched(stored: Incident, payload: object) -> Incident:
    """The stored incident with a PATCH body's fields applied, validated as a POST is
    (IncidentError naming the first bad field; an explicit null clears an optional field)."""
    if not isinstance(payload, Mapping):
        raise IncidentError("body", "must be a JSON object")
    unknown = sorted(str(key) for key in payload if key not in (*FIELDS, "id"))
    if unknown:
        # Unlike a POST, a PATCH is someone's deliberate correction: a misspelt field must not
        # pass as a change that did nothing.
        raise IncidentError(unknown[0][:40], "is not a field of an incident; fields: "
                            + ", ".join(FIELDS))
    if "id" in payload and payload["id"] != stored.id:
        raise IncidentError("id", "cannot change: PATCH the incident's own URL")
    if not any(key in FIELDS for key in payload):
        raise IncidentError("body", "names no field to change; fields: " + ", ".join(FIELDS))
    merged = {**stored.to_json(), **payload}
    return replace(parse_incident(merged), kind=stored.kind, title=stored.title)


def reposted(stored: Incident, posted: Incident) -> Incident:
    """The incident as a re-post of its id leaves it: the values it gives, the stored ones for
    what it leaves out, and a death stays a death."""
    given = {name: getattr(posted, name) for name in FIELDS if getattr(posted, name) is not None}
    given["fatal"] = stored.fatal or posted.fatal
    return replace(stored, **given)


def diff(old: Incident, new: Incident) -> tuple[Change, ...]:
    """The fields that differ, in FIELDS order."""
    return tuple(Change(name, getattr(old, name), getattr(new, name)) for name in FIELDS
                 if getattr(old, name) != getattr(new, name))


def moved(changes: Sequence[Change]) -> bool:
    """Whether the update puts the incident somewhere else (routing is decided again)."""
    return any(change.field in PLACE for change in changes)


def worth_telling(changes: Sequence[Change]) -> bool:
    """Whether those already paged are texted about the update."""
    return any(change.field in TOLD for change in changes)


def changed_fields(changes: Sequence[Change]) -> list[str]:
    """The names of the changed fields, as the API answers them."""
    return [change.field for change in changes]


def change_detail(changes: Sequence[Change]) -> str:
    """"fatal false -> true; victims 1 -> 2", for the timeline."""
    return "; ".join(f"{c.field} {_shown(c.old)} -> {_shown(c.new)}" for c in changes)


def change_digest(changes: Sequence[Change]) -> str:
    """A short stable hash of the change: the same change again makes the same delivery keys,
    so a PATCH repeated (or raced) tells nobody twice."""
    raw = "\x1f".join(f"{c.field}={_shown(c.old)}>{_shown(c.new)}" for c in changes).encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
