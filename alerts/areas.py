"""Which residents' areas a broadcast or a notice reaches: geometry, in the metre plane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from alerts.sites import Sites
from alerts.zones import Zone

# A resident's area is in a broadcast's target when at least this share of it overlaps:
# neighbours that merely touch along a boundary street are not.
MIN_SHARE = 0.01


class AreaError(ValueError):
    """A broadcast target that names no known area."""


def target_shape(spec: str, sites: Sites) -> tuple[str, BaseGeometry]:
    """A target's label and shape: zip:N, nta:CODE, precinct:N, any layer:id, or a team id."""
    wanted = spec.strip()
    team_key = wanted.removeprefix("team:").lower()
    for team in sites.teams:
        if team.id == team_key:
            return team.name, sites.shapes[f"team:{team.id}"]
    layer, _, key = wanted.partition(":")
    layer = layer.lower()
    for zone in sites.zones:
        if zone.layer == layer and zone.key.lower() == key.lower():
            return zone.label, sites.shapes[zone.id]
    shape = sites.shapes.get(f"{layer}:{key}")
    if shape is None:
        raise AreaError(f"no area {wanted!r}: use zip:11207, nta:BK82, precinct:75 or a team id")
    return (f"Precinct {key}" if layer == "precinct" else wanted), shape


def overlapping(target: BaseGeometry, zones: Sequence[Zone],
                shapes: Mapping[str, BaseGeometry]) -> list[str]:
    """The ids of residents' areas that substantially overlap the target."""
    found = []
    for zone in zones:
        shape = shapes.get(zone.id)
        if shape is None or shape.area == 0 or not shape.intersects(target):
            continue
        if shapely.intersection(shape, target).area >= MIN_SHARE * shape.area:
            found.append(zone.id)
    return found


def resources_for(target: BaseGeometry, sites: Sites) -> list[str]:
    """The support resources of the teams whose catchment meets the target, each once."""
    found = (resource for team in sites.teams
             if (shape := sites.shapes.get(f"team:{team.id}")) is not None
             and shape.intersects(target) for resource in team.resources)
    return list(dict.fromkeys(found))


def containing(lat: float, lon: float, sites: Sites) -> list[Zone]:
    """Residents' areas that hold a point (for notices after an incident), NTAs first."""
    x, y = sites.index.projection.xy(lat, lon)
    inside = [zone for zone in sites.zones
              if zone.id in sites.shapes and shapely.intersects_xy(sites.shapes[zone.id], x, y)]
    return sorted(inside, key=lambda zone: (zone.layer != "nta", zone.id))
