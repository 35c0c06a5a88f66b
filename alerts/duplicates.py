"""Possible duplicates: the same shooting reported by a second source.

A report within `RADIUS_M` and `WINDOW` of an open incident from another source is most likely
the same shooting, not a retaliation: it is never linked as one, and the teams already paged for
the first are not paged again until a coordinator keeps it separate. Both sources must be known:
the same feed posting twice reuses its id (an update), so two nearby ids from one source are two
shootings, and a report of unknown source cannot be told apart from either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from alerts.incident import Incident
from alerts.linking import Link, distance_m

WINDOW = timedelta(minutes=30)
RADIUS_M = 150.0
POSSIBLE = "possible duplicate"
SECOND_REPORT = "second report"


@dataclass(frozen=True)
class Duplicate:
    """The new report is `distance_m` and `minutes` from `incident_id`, from another source."""

    incident_id: str
    source: str
    distance_m: float
    minutes: float


def find_duplicate(incident: Incident, open_incidents: Iterable[Incident],
                   window: timedelta = WINDOW, radius_m: float = RADIUS_M) -> Duplicate | None:
    """The nearest open incident from another known source close enough in time and space to be
    the same shooting; None when there is none."""
    if incident.lat is None or incident.lon is None or not incident.source:
        return None
    found = []
    for other in open_incidents:
        if (other.id == incident.id or other.lat is None or other.lon is None
                or not other.source or other.source == incident.source):
            continue
        gap = abs(incident.occurred_at - other.occurred_at)
        meters = distance_m(incident.lat, incident.lon, other.lat, other.lon)
        if gap <= window and meters <= radius_m:
            found.append(Duplicate(other.id, other.source, round(meters, 1),
                                   round(gap.total_seconds() / 60, 1)))
    return min(found, key=lambda d: (d.distance_m, d.minutes), default=None)


def without(links: Sequence[Link], duplicate: Duplicate | None) -> list[Link]:
    """The retaliation links but the one to the report's own first report."""
    return [link for link in links if duplicate is None or link.incident_id != duplicate.incident_id]


def possible_detail(duplicate: Duplicate) -> str:
    """The new report's timeline: which incident it may repeat, and how close it is."""
    return (f"of {duplicate.incident_id} from {duplicate.source}: {duplicate.distance_m:.0f} m "
            f"and {duplicate.minutes:.0f} min apart")


def second_report_detail(source: str, incident_id: str) -> str:
    """The first report's timeline: another source reported it too."""
    return f"from {source}: {incident_id}"
