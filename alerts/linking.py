"""Possible retaliation: a shooting close in time and space to an open one.

A link can join incidents of different teams. Each side's timeline names the other; a viewer
who may not see the other incident (a member of another team) is told of "a nearby incident"
only, so no timeline or post hands out an id that the same viewer would get a 404 for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from alerts.incident import Incident

WINDOW = timedelta(hours=72)
RADIUS_M = 500.0
_EARTH_RADIUS_M = 6_371_008.8
LINK_ACTION = "possible retaliation"
NEARBY = "a nearby incident"
_LINKED = "linked to "


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


def link_detail(other_id: str, distance_m: float, hours: float) -> str:
    """The timeline detail of a link event, naming the other incident."""
    return f"{_LINKED}{other_id}: {distance_m:.0f} m and {hours:.0f} h apart"


def linked_id(action: str, detail: str) -> str | None:
    """The other incident a link event names; None for every other event."""
    if action != LINK_ACTION or not detail.startswith(_LINKED):
        return None
    # Incident ids hold no spaces (alerts.incident), so ": " ends the id.
    other, separator, _rest = detail[len(_LINKED):].partition(": ")
    return other if separator and other else None


def shown_detail(action: str, detail: str, may_see: Callable[[str], bool]) -> str:
    """An event's detail as a viewer sees it: a linked incident they may not see is only
    "a nearby incident" (distance and hours stay: that is the warning)."""
    other = linked_id(action, detail)
    if other is None or may_see(other):
        return detail
    return _LINKED + NEARBY + detail[len(_LINKED) + len(other):]
