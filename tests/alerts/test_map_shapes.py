"""The map's shapes: boroughs from lon/lat GeoJSON into the map's plane, and where names go."""

from __future__ import annotations

from shapely.geometry import Point
from shapely.geometry import shape as geojson_shape

from alerts.map_shapes import borough_outlines, map_point, team_outlines

SQUARE = {"type": "Feature", "properties": {"name": "Brooklyn"}, "geometry": {
    "type": "Polygon",
    "coordinates": [[[-74.0, 40.6], [-73.85, 40.6], [-73.85, 40.72], [-74.0, 40.72], [-74.0, 40.6]]]}}
# A C shape: its centroid is in the gap, outside it; the label must not be.
HOOK = {"type": "Feature", "properties": {"name": "Hook"}, "geometry": {
    "type": "Polygon", "coordinates": [[[-74.0, 40.6], [-73.9, 40.6], [-73.9, 40.62], [-73.98, 40.62],
                                        [-73.98, 40.70], [-73.9, 40.70], [-73.9, 40.72],
                                        [-74.0, 40.72], [-74.0, 40.6]]]}}


def test_a_borough_is_drawn_in_the_same_plane_as_the_incidents(sample_sites):
    sites = sample_sites.sites
    [brooklyn] = borough_outlines(sites, {"features": [SQUARE]})
    assert brooklyn.name == "Brooklyn" and brooklyn.path.startswith("M")
    x, y = map_point(sites, 40.66, -73.92)
    xs = [int(v.split()[0]) for v in brooklyn.path[1:-1].split("L")]
    ys = [int(v.split()[1]) for v in brooklyn.path[1:-1].split("L")]
    assert min(xs) < x < max(xs) and min(ys) < y < max(ys)


def test_a_name_goes_inside_its_shape_even_when_the_centroid_does_not(sample_sites):
    sites = sample_sites.sites
    [hook] = borough_outlines(sites, {"features": [HOOK]})
    shape = sites.index.projection.project(geojson_shape(HOOK["geometry"]))
    assert not shape.contains(shape.centroid)
    assert shape.contains(Point(hook.label[0], -hook.label[1]))


def test_every_catchment_has_a_label_inside_it(sample_sites):
    sites = sample_sites.sites
    for outline in team_outlines(sites):
        assert sites.shapes[f"team:{outline.team_id}"].contains(
            Point(outline.label[0], -outline.label[1]))
