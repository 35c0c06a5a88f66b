"""Geofences: containment with a buffer in real metres, and repair of broken polygons."""

import math

import pytest
import shapely

from alerts.geofence import Fence, GeofenceIndex, Projection, circle, repair

P = Projection()


def square(fence_id: str, west: float, south: float, east: float, north: float) -> Fence:
    return Fence(fence_id, P.project(shapely.box(west, south, east, north)))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(("lat", "lon"), [(40.50, -74.25), (40.91, -73.70), (40.70, -73.95)])
def test_the_metre_plane_is_true_to_half_a_percent_across_the_city(lat, lon):
    x0, y0 = P.xy(lat, lon)
    x1, y1 = P.xy(lat + 0.001, lon + 0.001)
    assert math.hypot(x1 - x0, y1 - y0) == pytest.approx(
        haversine_m(lat, lon, lat + 0.001, lon + 0.001), rel=0.005)


def test_the_projection_round_trips():
    assert P.lonlat(*P.xy(40.6712, -73.9002)) == pytest.approx((-73.9002, 40.6712))


def test_a_point_matches_the_fence_holding_it_and_the_buffer_of_its_neighbour():
    west, east = square("p:73", -73.92, 40.66, -73.90, 40.68), square("p:75", -73.90, 40.66, -73.88, 40.68)
    index = GeofenceIndex(P, [("bvl", west, 0), ("eny", east, 50)])
    hits = index.match(40.67, -73.9003)  # ~25 m west of the shared edge
    assert [(h.team_id, h.fence_id) for h in hits] == [("bvl", "p:73"), ("eny", "p:75")]
    assert hits[0].distance_m == 0 and 20 < hits[1].distance_m < 30
    assert [h.team_id for h in index.match(40.67, -73.9010)] == ["bvl"]  # ~85 m: beyond it
    assert index.match(40.60, -73.80) == []


def test_a_team_with_several_fences_is_reported_once_with_the_nearest():
    a, b = square("a", -73.92, 40.66, -73.91, 40.67), square("b", -73.91, 40.66, -73.90, 40.67)
    index = GeofenceIndex(P, [("t", a, 100), ("t", b, 100)])
    assert [(h.team_id, h.fence_id, h.distance_m) for h in index.match(40.665, -73.905)] == \
        [("t", "b", 0.0)]


def test_a_circle_is_a_true_radius_in_metres():
    index = GeofenceIndex(P, [("jam", circle("c", 40.6915, -73.7925, 1000, P), 0)])
    lat_per_m = 1 / 111_195
    assert index.match(40.6915 + 990 * lat_per_m, -73.7925)
    assert not index.match(40.6915 + 1010 * lat_per_m, -73.7925)


def test_match_many_agrees_with_match():
    fences = [("bvl", square("p:73", -73.92, 40.66, -73.90, 40.68), 0),
              ("eny", square("p:75", -73.90, 40.66, -73.88, 40.68), 50)]
    index = GeofenceIndex(P, fences)
    points = [(40.67, -73.9003), (40.67, -73.95), (40.665, -73.885), (40.6601, -73.9)]
    assert index.match_many(points) == [{h.team_id for h in index.match(*p)} for p in points]


def test_a_self_intersecting_polygon_is_repaired_and_the_reason_kept():
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    fixed, reason = repair(bowtie)
    assert fixed.is_valid and fixed.area == pytest.approx(2.0)
    assert reason is not None and "Self-intersection" in reason
    assert repair(shapely.box(0, 0, 1, 1))[1] is None


def test_an_index_with_nothing_in_it_matches_nothing():
    for index in (GeofenceIndex(P, []), GeofenceIndex(P, [("t", Fence("e", shapely.Polygon()), 0)])):
        assert index.match(40.67, -73.90) == []
        assert index.match_many([(40.67, -73.90)]) == [set()]


def test_the_index_agrees_with_testing_every_fence_in_and_around_many_fences():
    # Fences from much larger than a grid cell to much smaller, overlapping, some buffered.
    fences = [("big", circle("c1", 40.67, -73.90, 5000, P), 0),
              ("sq", square("s", -73.95, 40.64, -73.91, 40.70), 50),
              ("tiny", circle("c2", 40.68, -73.93, 40, P), 0),
              ("tiny", circle("c3", 40.66, -73.87, 120, P), 200)]
    index = GeofenceIndex(P, fences)
    grown = [(team, fence.geometry.buffer(buffer) if buffer else fence.geometry)
             for team, fence, buffer in fences]
    points = [(40.60 + i * 0.0013, -73.99 + j * 0.0017) for i in range(110) for j in range(100)]
    expected = [{team for team, area in grown if area.intersects(shapely.Point(P.xy(*p)))}
                for p in points]
    assert [{h.team_id for h in index.match(*p)} for p in points] == expected
    assert index.match_many(points) == expected
    assert any(expected) and not all(expected)
