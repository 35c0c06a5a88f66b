"""What the dashboard map draws: team catchments as SVG paths and incidents as points, all in
the metre plane the geofences already live in, so the map needs no tiles and no projection
code in the browser (north is up: y is flipped for SVG)."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
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


def team_outlines(sites: Sites, tolerance_m: float = 15.0) -> list[TeamOutline]:
    """Every team's catchment, simplified to `tolerance_m` (a map does not need survey detail)."""
    outlines = []
    for number, team in enumerate(sites.teams):
        shape = sites.shapes.get(f"team:{team.id}")
        if shape is None or shape.is_empty:
            continue
        simple = shapely.simplify(shape, tolerance_m, preserve_topology=True)
        outlines.append(TeamOutline(team.id, team.name, PALETTE[number % len(PALETTE)],
                                    svg_path(simple)))
    return outlines


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
