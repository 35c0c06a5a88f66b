"""What the dashboard map draws, in lon/lat for Leaflet: each team's catchment and each borough
as a GeoJSON MultiPolygon with a point inside it for its name, and the view that holds every
catchment. Catchments live in the geofences' metre plane: they are simplified there (the
tolerance is a distance) and moved back to lon/lat here, so the browser projects nothing itself.
The borough outlines come in as lon/lat GeoJSON read by the caller (bot/samples/boroughs.geojson).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from alerts.sites import Sites

# Ten colours told apart by most eyes (Tableau 10), one per team in sites-file order.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
           "#9c755f", "#e15759", "#bab0ac")
DIGITS = 5  # decimal places of a degree kept: about a metre, finer than any map shows

LonLat = tuple[float, float]


@dataclass(frozen=True)
class TeamOutline:
    """One team's catchment, ready for Leaflet's L.geoJSON."""

    team_id: str
    name: str
    colour: str
    geometry: dict[str, Any]  # a GeoJSON MultiPolygon in lon/lat
    label: LonLat  # a point inside the catchment, for its name on the map


@dataclass(frozen=True)
class BoroughOutline:
    """A borough's outline (GeoJSON MultiPolygon, lon/lat) and where its name goes."""

    name: str
    geometry: dict[str, Any]
    label: LonLat


def team_outlines(sites: Sites, tolerance_m: float = 15.0) -> list[TeamOutline]:
    """Every team's catchment, simplified to `tolerance_m` (a map does not need survey detail)."""
    projection = sites.index.projection
    outlines = []
    for number, team in enumerate(sites.teams):
        shape = sites.shapes.get(f"team:{team.id}")
        if shape is None or shape.is_empty:
            continue
        simple = shapely.simplify(shape, tolerance_m, preserve_topology=True)
        # The label point is found on the unsimplified shape, in the plane, and then moved.
        inside = shape.point_on_surface()
        outlines.append(TeamOutline(team.id, team.name, PALETTE[number % len(PALETTE)],
                                    multipolygon(projection.unproject(simple)),
                                    _rounded(projection.lonlat(inside.x, inside.y))))
    return outlines


def borough_outlines(collection: Mapping[str, Any]) -> list[BoroughOutline]:
    """Each feature of a lon/lat GeoJSON collection (properties.name), with its label point."""
    outlines = []
    for feature in collection.get("features", []):
        shape = geojson_shape(feature["geometry"])
        if shape.is_empty:
            continue
        outlines.append(BoroughOutline(str(feature["properties"]["name"]), multipolygon(shape),
                                       label_point(shape)))
    return outlines


def label_point(shape: BaseGeometry) -> LonLat:
    """Where a lon/lat shape's name goes: a point surely inside it (a centroid may fall outside)."""
    point = shape.point_on_surface()
    return _rounded((point.x, point.y))


def multipolygon(geometry: BaseGeometry) -> dict[str, Any]:
    """A GeoJSON MultiPolygon of a geometry's polygons (holes kept, anything else dropped),
    coordinates rounded to DIGITS places."""
    polygons = [[[list(_rounded(xy)) for xy in ring.coords]
                 for ring in (polygon.exterior, *polygon.interiors)]
                for polygon in getattr(geometry, "geoms", [geometry])
                if polygon.geom_type == "Polygon" and not polygon.is_empty]
    return {"type": "MultiPolygon", "coordinates": polygons}


def bounds(sites: Sites, margin_m: float = 500.0) -> tuple[float, float, float, float]:
    """The map's initial view: every catchment, with a margin; a GeoJSON bbox (west, south,
    east, north)."""
    projection = sites.index.projection
    shapes = [shape for key, shape in sites.shapes.items() if key.startswith("team:")]
    if shapes:
        # The bounds of the shapes together, without merging them (a union costs time and memory).
        min_x, min_y, max_x, max_y = (float(v) for v in shapely.total_bounds(shapes))
    else:
        min_x, min_y, max_x, max_y = -10_000.0, -10_000.0, 10_000.0, 10_000.0
    west, south = projection.lonlat(min_x - margin_m, min_y - margin_m)
    east, north = projection.lonlat(max_x + margin_m, max_y + margin_m)
    return (*_rounded((west, south)), *_rounded((east, north)))


def _rounded(xy: tuple[float, ...]) -> LonLat:
    return round(float(xy[0]), DIGITS), round(float(xy[1]), DIGITS)
