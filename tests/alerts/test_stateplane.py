"""EPSG:2263 <-> WGS84: checked against coordinates NYPD published for the same incidents."""

from __future__ import annotations

import math

import pytest

from alerts.stateplane import from_lat_lon, to_lat_lon

METRES_PER_DEGREE = 111_320.0


def metres_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough over the few metres these tests care about."""
    mean_lat = math.radians((lat1 + lat2) / 2)
    dy = (lat1 - lat2) * METRES_PER_DEGREE
    dx = (lon1 - lon2) * METRES_PER_DEGREE * math.cos(mean_lat)
    return math.hypot(dx, dy)


# Real rows of nypd_shooting_incidents_2006_2022_combined.csv (INCIDENT_KEY, X_COORD_CD,
# Y_COORD_CD, Latitude, Longitude), picked to span the city: its westmost/southernmost,
# eastmost and northernmost points, the row whose X/Y and lat/lon disagree most (0.93 m),
# and one 2021 and three 2022 rows whose X/Y NYPD published as whole feet.
NYPD_ROWS = [
    ("49514582", 914928.0625, 125756.7188, 40.51158557, -74.2493035),  # Staten Island, SW
    ("203517393", 1066815.375, 209653.0469, 40.74174861, -73.70204617),  # Queens, E edge
    ("59171355", 1012824.688, 271127.6875, 40.91081809, -73.89662126),  # Bronx, N edge
    ("86953790", 1026142.188, 269204.8438, 40.90548733, -73.84845207),  # Bronx, worst row
    ("229643180", 1006621, 185426, 40.67560823700006, -73.91935098699997),  # Brooklyn 2021
    ("238861986", 1000635, 230119, 40.798285, -73.94082),  # Manhattan 2022
    ("238855053", 1007958, 178990, 40.657933, -73.914552),  # Brooklyn 2022
    ("239583448", 1037513, 194901, 40.701477, -73.807904),  # Queens 2022
]


@pytest.mark.parametrize(("key", "x_ft", "y_ft", "lat", "lon"), NYPD_ROWS)
def test_state_plane_lands_within_two_metres_of_nypds_lat_lon(
    key: str, x_ft: float, y_ft: float, lat: float, lon: float
) -> None:
    got_lat, got_lon = to_lat_lon(x_ft, y_ft)
    assert metres_apart(got_lat, got_lon, lat, lon) < 2.0, key


@pytest.mark.parametrize(("key", "x_ft", "y_ft", "lat", "lon"), NYPD_ROWS)
def test_nypds_lat_lon_projects_within_two_metres_of_its_state_plane(
    key: str, x_ft: float, y_ft: float, lat: float, lon: float
) -> None:
    got_x, got_y = from_lat_lon(lat, lon)
    feet = math.hypot(got_x - x_ft, got_y - y_ft)
    assert feet * 1200 / 3937 < 2.0, key


def test_false_origin_is_40_10_north_on_the_central_meridian() -> None:
    lat, lon = to_lat_lon(984_250.0, 0.0)
    assert (lat, lon) == (pytest.approx(40 + 10 / 60, abs=1e-9), pytest.approx(-74.0, abs=1e-9))


@pytest.mark.parametrize("lat", [40.5, 40 + 40 / 60, 41 + 2 / 60, 41.2])
def test_central_meridian_keeps_the_false_easting(lat: float) -> None:
    x_ft, _ = from_lat_lon(lat, -74.0)
    assert x_ft == pytest.approx(984_250.0, abs=1e-6)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(40.7128, -74.0060), (40.5, -74.25), (40.92, -73.69), (41.2, -72.0), (40.0, -75.0)],
)
def test_round_trip_is_lossless(lat: float, lon: float) -> None:
    back_lat, back_lon = to_lat_lon(*from_lat_lon(lat, lon))
    assert metres_apart(back_lat, back_lon, lat, lon) < 1e-6


@pytest.mark.parametrize(("x_ft", "y_ft"), [(math.nan, 0.0), (0.0, math.inf)])
def test_non_finite_coordinates_are_refused(x_ft: float, y_ft: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_lat_lon(x_ft, y_ft)
