"""Geofences and the spatial index that finds every team whose catchment holds a point.

Geometry is kept in a local flat plane in metres (an equirectangular projection around the
city), so `buffer_m` and circle radii are real distances. Over New York City (about 50 km
across) the scale error of that projection stays under 0.5 %, i.e. 25 cm on a 50 m buffer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_EARTH_RADIUS_M = 6_371_008.8
_CIRCLE_SEGMENTS = 32  # per quarter circle: the polygon is within 0.05 % of the true radius


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection to metres around (lat0, lon0)."""

    lat0: float = 40.70
    lon0: float = -73.95

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Metres east and north of the origin for one point."""
        k = math.radians(1) * _EARTH_RADIUS_M
        return (lon - self.lon0) * k * math.cos(math.radians(self.lat0)), (lat - self.lat0) * k

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """The inverse of `xy`, as (lon, lat)."""
        k = math.radians(1) * _EARTH_RADIUS_M
        return self.lon0 + x / (k * math.cos(math.radians(self.lat0))), self.lat0 + y / k

    def project(self, geometry: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry moved into the metre plane."""
        k = math.radians(1) * _EARTH_RADIUS_M
        scale = np.array([k * math.cos(math.radians(self.lat0)), k])
        origin = np.array([self.lon0, self.lat0])
        return shapely.transform(geometry, lambda coords: (coords - origin) * scale)


@dataclass(frozen=True)
class Fence:
    """One named area in the metre plane: a layer feature, an inline polygon or a circle."""

    id: str
    geometry: BaseGeometry


def circle(fence_id: str, lat: float, lon: float, radius_m: float, projection: Projection) -> Fence:
    """A circular fence of `radius_m` metres around a point."""
    x, y = projection.xy(lat, lon)
    return Fence(fence_id, shapely.Point(x, y).buffer(radius_m, quad_segs=_CIRCLE_SEGMENTS))


def repair(geometry: BaseGeometry) -> tuple[BaseGeometry, str | None]:
    """Return a valid polygonal geometry and, when it had to be mended, why it was invalid."""
    if geometry.is_valid:
        return geometry, None
    reason = shapely.is_valid_reason(geometry)
    fixed = shapely.make_valid(geometry)
    # make_valid may return a collection with stray lines or points; only areas can hold points.
    parts = [part for part in shapely.get_parts(fixed) if part.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts), str(reason)


@dataclass(frozen=True)
class FenceHit:
    """A team whose fence holds a point; `distance_m` is 0 inside, else the distance to it."""

    team_id: str
    fence_id: str
    distance_m: float


@dataclass(frozen=True)
class _Entry:
    team_id: str
    fence: Fence
    buffer_m: float


@dataclass
class GeofenceIndex:
    """An STRtree over every (team, fence) pair, each grown by its team's buffer."""

    projection: Projection
    entries: Sequence[tuple[str, Fence, float]]
    _items: list[_Entry] = field(init=False, repr=False)
    _tree: shapely.STRtree = field(init=False, repr=False)
    _areas: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._items = [_Entry(team, fence, max(buffer, 0.0)) for team, fence, buffer in self.entries]
        grown = [item.fence.geometry.buffer(item.buffer_m) if item.buffer_m else item.fence.geometry
                 for item in self._items]
        self._areas = np.array(grown, dtype=object)
        shapely.prepare(self._areas)  # prepared geometries make each point test O(log n)
        self._tree = shapely.STRtree(self._areas)

    def match(self, lat: float, lon: float) -> list[FenceHit]:
        """Every team whose (buffered) fence holds the point, nearest first, one hit per team."""
        x, y = self.projection.xy(lat, lon)
        point = shapely.Point(x, y)
        candidates = self._tree.query(point)
        best: dict[str, FenceHit] = {}
        for index in candidates:
            if not shapely.intersects_xy(self._areas[index], x, y):
                continue
            item = self._items[int(index)]
            distance = 0.0 if item.buffer_m == 0 else float(item.fence.geometry.distance(point))
            hit = FenceHit(item.team_id, item.fence.id, round(distance, 1))
            current = best.get(item.team_id)
            if current is None or hit.distance_m < current.distance_m:
                best[item.team_id] = hit
        return sorted(best.values(), key=lambda hit: (hit.distance_m, hit.team_id))

    def match_many(self, points: Sequence[tuple[float, float]]) -> list[set[str]]:
        """The team ids for each of many (lat, lon) points, vectorised for replays and benchmarks."""
        k = math.radians(1) * _EARTH_RADIUS_M
        coords = np.asarray(points, dtype=float).reshape(-1, 2)
        xs = (coords[:, 1] - self.projection.lon0) * k * math.cos(math.radians(self.projection.lat0))
        ys = (coords[:, 0] - self.projection.lat0) * k
        pairs = self._tree.query(shapely.points(xs, ys))
        inside = shapely.intersects_xy(self._areas[pairs[1]], xs[pairs[0]], ys[pairs[0]])
        result: list[set[str]] = [set() for _ in range(len(coords))]
        for point_index, item_index in zip(pairs[0][inside], pairs[1][inside], strict=True):
            result[int(point_index)].add(self._items[int(item_index)].team_id)
        return result

