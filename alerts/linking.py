"""Possible retaliation: a shooting close in time and space to an open one."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from alerts.incident import Incident

WINDOW = timedelta(hours=72)
RADIUS_M = 500.0
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Link:
    """`incident_id` happened `hours` before and `distance_m` away from the new incident."""

    incident_id: str
    distance_m: float
    hours: float


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def find_links(incident: Incident, open_incidents: Iterable[Incident],
               window: timedelta = WINDOW, radius_m: float = RADIUS_M) -> list[Link]:
    """Open incidents within `window` before (or after) and `radius_m` of this one, nearest first."""
    if incident.lat is None or incident.lon is None:
        return []
    links = []
    for other in open_incidents:
        if other.id == incident.id or other.lat is None or other.lon is None:
            continue
        gap = abs(incident.occurred_at - other.occurred_at)
        if gap > window:
            continue
        meters = distance_m(incident.lat, incident.lon, other.lat, other.lon)
        if meters <= radius_m:
            links.append(Link(other.id, round(meters, 1), round(gap.total_seconds() / 3600, 1)))
    return sorted(links, key=lambda link: (link.distance_m, link.hours))
