"""What the dashboard map draws: team catchments as SVG paths and incidents as points, all in
the metre plane the geofences already live in, so the map needs no tiles and no projection
code in the browser (north is up: y is flipped for SVG). The borough outlines come in as lon/lat
GeoJSON read by the caller (bot/samples/boroughs.geojson) and are projected here."""

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


@dataclass(frozen=True)
class TeamOutline:
    """One team's catchment, ready for an SVG `<path d=...>`."""

    team_id: str
    name: str
    colour: str
    path: str
    label: tuple[int, int]  # a point inside the catchment, for its name on the map


@dataclass(frozen=True)
class BoroughOutline:
    """A borough's outline and where its name goes."""

    name: str
    path: str
    label: tuple[int, int]


def team_outlines(sites: Sites, tolerance_m: float = 15.0) -> list[TeamOutline]:
    """Every team's catchment, simplified to `tolerance_m` (a map does not need survey detail)."""
    outlines = []
    for number, team in enumerate(sites.teams):
        shape = sites.shapes.get(f"team:{team.id}")
        if shape is None or shape.is_empty:
            continue
        simple = shapely.simplify(shape, tolerance_m, preserve_topology=True)
        outlines.append(TeamOutline(team.id, team.name, PALETTE[number % len(PALETTE)],
                                    svg_path(simple), label_point(shape)))
    return outlines


def borough_outlines(sites: Sites, collection: Mapping[str, Any]) -> list[BoroughOutline]:
    """Each feature of a lon/lat GeoJSON collection (properties.name) in the map's plane."""
    outlines = []
    for feature in collection.get("features", []):
        shape = sites.index.projection.project(geojson_shape(feature["geometry"]))
        if shape.is_empty:
            continue
        outlines.append(BoroughOutline(str(feature["properties"]["name"]), svg_path(shape),
                                       label_point(shape)))
    return outlines


def label_point(shape: BaseGeometry) -> tuple[int, int]:
    """Where a shape's name goes: a point surely inside it (a centroid may fall outside)."""
    point = shape.point_on_surface()
    return round(point.x), round(-point.y)


def svg_path(geometry: BaseGeometry) -> str:
    """An SVG path (whole metres, y flipped) for a polygon or multipolygon, holes included."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            points = [f"{round(x)} {round(-y)}" for x, y in ring.coords[:-1]]
            if points:
                parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def map_point(sites: Sites, lat: float, lon: float) -> tuple[int, int]:
    """Where a point goes on the map (whole metres, y flipped like the outlines)."""
    x, y = sites.index.projection.xy(lat, lon)
    return round(x), round(-y)


def bounds(sites: Sites, margin_m: float = 500.0) -> tuple[int, int, int, int]:
    """The map's initial view: every catchment, with a margin (min x, min y, width, height)."""
    shapes = [shape for key, shape in sites.shapes.items() if key.startswith("team:")]
    if not shapes:
        return -10_000, -10_000, 20_000, 20_000
    # The bounds of the shapes together, without merging them (a union costs time and memory).
    min_x, min_y, max_x, max_y = (float(v) for v in shapely.total_bounds(shapes))
    return (round(min_x - margin_m), round(-max_y - margin_m), round(max_x - min_x + 2 * margin_m),
            round(max_y - min_y + 2 * margin_m))
