"""The automatic area notice after a verified shooting: which residents' area, and the words.

The one place an incident meets resident texts, and it hands over only the area (found from
the point) and the time of day: no victim, hospital, fatality or address can get through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts import resident_texts as texts
from alerts.areas import containing, resources_for, target_shape
from alerts.incident import Incident
from alerts.incident_types import POLICE_INVOLVED
from alerts.sites import Sites


@dataclass(frozen=True)
class Notice:
    """What residents of `zone` will read, in English and Spanish."""

    zone: str
    area: str
    english: str
    spanish: str


def notice_for(incident: Incident, sites: Sites, resources: Sequence[str]) -> Notice | None:
    """The notice for residents of the area holding the incident, or None (no point, no area,
    or a police-involved shooting)."""
    # A police-involved shooting is never announced automatically, whatever the team asked
    # for: what residents hear of it is for the coordinators (and the city) to decide.
    if incident.type == POLICE_INVOLVED or incident.lat is None or incident.lon is None:
        return None
    areas = containing(incident.lat, incident.lon, sites)
    if not areas:
        return None
    area = areas[0].label
    english, spanish = (
        texts.area_notice(area, texts.when_phrase(incident.occurred_at, sites.tz, language),
                          resources, language)
        for language in ("en", "es"))
    return Notice(areas[0].id, area, english, spanish)


def area_wording(target: str, sites: Sites, now: datetime) -> tuple[str, str]:
    """What a refused broadcast to `target` can say instead, in English and Spanish: the
    standard notice's words for that area (AreaError for an unknown target)."""
    label, shape = target_shape(target, sites)
    resources = resources_for(shape, sites)
    english, spanish = (texts.area_report(label, texts.when_phrase(now, sites.tz, language),
                                          resources, language) for language in ("en", "es"))
    return english, spanish
