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
        scale, origin = self._scale_origin()
        return shapely.transform(geometry, lambda coords: (coords - origin) * scale)

    def unproject(self, geometry: BaseGeometry) -> BaseGeometry:
        """A metre-plane geometry moved back to lon/lat (the inverse of `project`)."""
        scale, origin = self._scale_origin()
        return shapely.transform(geometry, lambda coords: coords / scale + origin)

    def _scale_origin(self) -> tuple[np.ndarray, np.ndarray]:
        k = math.radians(1) * _EARTH_RADIUS_M
        return np.array([k * math.cos(math.radians(self.lat0)), k]), np.array([self.lon0, self.lat0])


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


_CELL_M = 250.0  # grid cell side: most cells lie inside a precinct, crossed by an NTA edge or two
_MAX_CELLS = 1 << 18  # a layer much larger than a city gets larger cells, not a huge grid
_EDGE_M = 0.001  # cells are related to areas 1 mm larger: rounding at a cell edge cannot matter


def _csr(cells: np.ndarray, items: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, items) with the items of cell c at items[starts[c]:starts[c + 1]], in item order."""
    order = np.lexsort((items, cells))
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells, minlength=count), out=starts[1:])
    return starts, items[order].astype(np.int32)


def _gather(starts: np.ndarray, items: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every (point, cell) the items listed for the cell, as (point index, item) pairs."""
    lengths = starts[cells + 1] - starts[cells]
    owners = np.repeat(np.arange(len(cells)), lengths)
    offsets = np.arange(len(owners)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owners, items[starts[cells][owners] + offsets]


class _Grid:
    """Square cells over the areas' extent; per cell the areas that hold all of it ("sure") and
    those whose edge crosses it ("maybe", which still need a point test).

    A lookup is arithmetic and a slice, where an STRtree needs a Point object and a tree walk,
    and the sure areas need no test at all.
    """

    def __init__(self, areas: np.ndarray) -> None:
        bounds = shapely.total_bounds(areas) if len(areas) else np.full(4, np.nan)
        # No areas, or only empty ones: a one-cell grid that lists nothing.
        minx, miny, maxx, maxy = bounds if np.isfinite(bounds).all() else (0.0,) * 4
        self.size = max(_CELL_M, max(maxx - minx, maxy - miny) / math.sqrt(_MAX_CELLS))
        self.x0, self.y0 = float(minx), float(miny)
        self.nx = int((maxx - minx) // self.size) + 1
        self.ny = int((maxy - miny) // self.size) + 1
        # Box number row * nx + column: the cell number `cell` computes.
        column, row = np.tile(np.arange(self.nx), self.ny), np.repeat(np.arange(self.ny), self.nx)
        boxes = shapely.box(self.x0 + column * self.size - _EDGE_M, self.y0 + row * self.size - _EDGE_M,
                            self.x0 + (column + 1) * self.size + _EDGE_M,
                            self.y0 + (row + 1) * self.size + _EDGE_M)
        cells, items = shapely.STRtree(areas).query(boxes) if len(areas) else np.empty((2, 0), int)
        crossing = shapely.intersects(areas[items], boxes[cells])
        cells, items = cells[crossing], items[crossing]
        sure = shapely.covers(areas[items], boxes[cells])
        self.sure = _csr(cells[sure], items[sure], self.nx * self.ny)
        self.maybe = _csr(cells[~sure], items[~sure], self.nx * self.ny)

    def cell(self, x: float, y: float) -> int:
        """The cell holding the point, or -1 outside the grid (and so outside every area)."""
        column, row = (x - self.x0) // self.size, (y - self.y0) // self.size
        if 0 <= column < self.nx and 0 <= row < self.ny:
            return int(row) * self.nx + int(column)
        return -1

    def cells(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """`cell` for many points at once."""
        columns, rows = (xs - self.x0) // self.size, (ys - self.y0) // self.size
        inside = (columns >= 0) & (columns < self.nx) & (rows >= 0) & (rows < self.ny)
        return np.where(inside, rows * self.nx + columns, -1).astype(np.int64)


@dataclass
class GeofenceIndex:
    """A grid index over every (team, fence) pair, each grown by its team's buffer."""

    projection: Projection
    entries: Sequence[tuple[str, Fence, float]]
    _items: list[_Entry] = field(init=False, repr=False)
    _areas: np.ndarray = field(init=False, repr=False)
    _grid: _Grid = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._items = [_Entry(team, fence, max(buffer, 0.0)) for team, fence, buffer in self.entries]
        grown = [item.fence.geometry.buffer(item.buffer_m) if item.buffer_m else item.fence.geometry
                 for item in self._items]
        self._areas = np.array(grown, dtype=object)
        shapely.prepare(self._areas)  # prepared geometries make each point test O(log n)
        # A buffered hit needs its distance to the fence itself; prepared, a point inside it is
        # told apart at once instead of by a full distance computation.
        shapely.prepare([item.fence.geometry for item in self._items if item.buffer_m])
        self._grid = _Grid(self._areas)

    def match(self, lat: float, lon: float) -> list[FenceHit]:
        """Every team whose (buffered) fence holds the point, nearest first, one hit per team."""
        x, y = self.projection.xy(lat, lon)
        cell = self._grid.cell(x, y)
        if cell < 0:
            return []
        (sure_starts, sure_items), (maybe_starts, maybe_items) = self._grid.sure, self._grid.maybe
        found = sure_items[sure_starts[cell]:sure_starts[cell + 1]].tolist()
        maybe = maybe_items[maybe_starts[cell]:maybe_starts[cell + 1]]
        if len(maybe):
            # One vectorised test over the cell's edge areas: a call per area costs more.
            found = sorted(found + maybe[shapely.intersects_xy(self._areas[maybe], x, y)].tolist())
        best: dict[str, FenceHit] = {}
        for index in found:  # in entry order: of equally near fences, the first listed wins
            item = self._items[index]
            distance = 0.0 if item.buffer_m == 0 or shapely.intersects_xy(item.fence.geometry, x, y) \
                else float(item.fence.geometry.distance(shapely.Point(x, y)))
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
        cells = self._grid.cells(xs, ys)
        placed = np.flatnonzero(cells >= 0)
        sure_points, sure_items = _gather(*self._grid.sure, cells[placed])
        maybe_points, maybe_items = _gather(*self._grid.maybe, cells[placed])
        maybe_points = placed[maybe_points]
        inside = shapely.intersects_xy(self._areas[maybe_items], xs[maybe_points], ys[maybe_points])
        teams = [item.team_id for item in self._items]
        result: list[set[str]] = [set() for _ in range(len(coords))]
        for point_index, item_index in zip(
                np.concatenate([placed[sure_points], maybe_points[inside]]).tolist(),
                np.concatenate([sure_items, maybe_items[inside]]).tolist(), strict=True):
            result[point_index].add(teams[item_index])
        return result
