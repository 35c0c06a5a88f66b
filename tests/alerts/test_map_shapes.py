"""The map's shapes in lon/lat for Leaflet: catchments moved back from the metre plane, boroughs
as given, and where names go."""

from __future__ import annotations

from shapely.geometry import Point
from shapely.geometry import shape as geojson_shape

from alerts.map_shapes import borough_outlines, bounds, multipolygon, team_outlines

SQUARE = {"type": "Feature", "properties": {"name": "Brooklyn"}, "geometry": {
    "type": "Polygon",
    "coordinates": [[[-74.0, 40.6], [-73.85, 40.6], [-73.85, 40.72], [-74.0, 40.72], [-74.0, 40.6]]]}}
# A C shape: its centroid is in the gap, outside it; the label must not be.
HOOK = {"type": "Feature", "properties": {"name": "Hook"}, "geometry": {
    "type": "Polygon", "coordinates": [[[-74.0, 40.6], [-73.9, 40.6], [-73.9, 40.62], [-73.98, 40.62],
                                        [-73.98, 40.70], [-73.9, 40.70], [-73.9, 40.72],
                                        [-74.0, 40.72], [-74.0, 40.6]]]}}
# Inside Man Up! East New York's catchment (precinct 75), as the routing tests have it.
PITKIN_AND_ROCKAWAY = (-73.9002, 40.6712)


def test_a_borough_stays_in_lon_lat_as_a_multipolygon():
    [brooklyn] = borough_outlines({"features": [SQUARE]})
    assert brooklyn.name == "Brooklyn"
    assert brooklyn.geometry == {"type": "MultiPolygon",
                                 "coordinates": [SQUARE["geometry"]["coordinates"]]}
    assert geojson_shape(brooklyn.geometry).contains(Point(brooklyn.label))


def test_a_name_goes_inside_its_shape_even_when_the_centroid_does_not():
    [hook] = borough_outlines({"features": [HOOK]})
    shape = geojson_shape(HOOK["geometry"])
    assert not shape.contains(shape.centroid)
    assert shape.contains(Point(hook.label))


def test_a_catchment_is_drawn_where_its_incidents_are_routed(sample_sites):
    sites = sample_sites.sites
    outlines = {outline.team_id: outline for outline in team_outlines(sites)}
    assert [hit.team_id for hit in sites.index.match(PITKIN_AND_ROCKAWAY[1], PITKIN_AND_ROCKAWAY[0])
            if hit.distance_m == 0] == ["man-up-eny"]
    drawn = geojson_shape(outlines["man-up-eny"].geometry)
    assert drawn.geom_type == "MultiPolygon" and drawn.contains(Point(PITKIN_AND_ROCKAWAY))
    assert not geojson_shape(outlines["brag-mott-haven"].geometry).contains(Point(PITKIN_AND_ROCKAWAY))


def test_every_catchment_has_its_label_inside_it_and_inside_the_first_view(sample_sites):
    sites = sample_sites.sites
    west, south, east, north = bounds(sites)
    for outline in team_outlines(sites):
        lon, lat = outline.label
        assert sites.shapes[f"team:{outline.team_id}"].contains(
            Point(sites.index.projection.xy(lat, lon)))
        assert west < lon < east and south < lat < north
        assert geojson_shape(outline.geometry).bounds[0] > west


def test_holes_are_kept_and_coordinates_rounded_to_about_a_metre():
    ring = [[-74.0, 40.6], [-73.9, 40.6], [-73.9, 40.7], [-74.0, 40.6]]
    hole = [[-73.95, 40.62], [-73.92, 40.62], [-73.92, 40.64], [-73.95, 40.62]]
    shape = geojson_shape({"type": "Polygon", "coordinates": [
        [[x + 1e-7, y] for x, y in ring], hole]})
    assert multipolygon(shape)["coordinates"] == [[ring, hole]]
