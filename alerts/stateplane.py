"""NY State Plane Long Island (EPSG:2263, US survey feet) to and from latitude/longitude.

NYPD publishes X_COORD_CD/Y_COORD_CD in EPSG:2263: NAD83, Lambert Conformal Conic with two
standard parallels on the GRS80 ellipsoid. The formulas are the ellipsoidal LCC ones from
Snyder, "Map Projections: A Working Manual" (USGS PP 1395, 1987), eqs 14-15, 15-1 to 15-11.

NAD83 is treated as WGS84: the two differ by about a metre in New York, well below what an
alert needs, and it spares a datum shift.
"""

from __future__ import annotations

import math

# GRS80 ellipsoid.
_A = 6_378_137.0
_F = 1 / 298.257222101
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)

# The US survey foot (1200/3937 m), not the international foot: EPSG:2263 is defined in it,
# and using 0.3048 m instead would shift points by about 2 ppm (~1 m across the city).
US_SURVEY_FOOT_M = 1200 / 3937

_PHI1 = math.radians(41 + 2 / 60)  # 41°02'N
_PHI2 = math.radians(40 + 40 / 60)  # 40°40'N
_PHI0 = math.radians(40 + 10 / 60)  # 40°10'N, latitude of origin
_LAMBDA0 = math.radians(-74.0)
_FALSE_EASTING_M = 300_000.0  # 984,250 US ft
_FALSE_NORTHING_M = 0.0


def _m(phi: float) -> float:
    """Snyder eq 14-15."""
    sin_phi = math.sin(phi)
    return math.cos(phi) / math.sqrt(1 - _E2 * sin_phi * sin_phi)


def _t(phi: float) -> float:
    """Snyder eq 15-9."""
    e_sin = _E * math.sin(phi)
    return math.tan(math.pi / 4 - phi / 2) / math.pow((1 - e_sin) / (1 + e_sin), _E / 2)


# The projection constants depend only on the parameters above, so they are computed once.
_N = (math.log(_m(_PHI1)) - math.log(_m(_PHI2))) / (math.log(_t(_PHI1)) - math.log(_t(_PHI2)))
_BIG_F = _m(_PHI1) / (_N * math.pow(_t(_PHI1), _N))  # eq 15-10
_RHO0 = _A * _BIG_F * math.pow(_t(_PHI0), _N)  # eq 15-7 at the latitude of origin

# Latitude iteration (eq 7-9) converges to 1e-12 rad (~6 µm) in five or six steps here.
_TOLERANCE = 1e-12
_MAX_ITERATIONS = 20


def from_lat_lon(lat: float, lon: float) -> tuple[float, float]:
    """Project WGS84 degrees to EPSG:2263 (x, y) in US survey feet (Snyder eqs 15-1 to 15-3)."""
    phi = math.radians(lat)
    rho = _A * _BIG_F * math.pow(_t(phi), _N)
    theta = _N * (math.radians(lon) - _LAMBDA0)
    x_m = _FALSE_EASTING_M + rho * math.sin(theta)
    y_m = _FALSE_NORTHING_M + _RHO0 - rho * math.cos(theta)
    return x_m / US_SURVEY_FOOT_M, y_m / US_SURVEY_FOOT_M


def to_lat_lon(x_ft: float, y_ft: float) -> tuple[float, float]:
    """Unproject EPSG:2263 (x, y) in US survey feet to WGS84 (lat, lon) degrees."""
    if not (math.isfinite(x_ft) and math.isfinite(y_ft)):
        raise ValueError(f"state plane coordinates must be finite, got ({x_ft}, {y_ft})")
    dx = x_ft * US_SURVEY_FOOT_M - _FALSE_EASTING_M
    dy = _RHO0 - (y_ft * US_SURVEY_FOOT_M - _FALSE_NORTHING_M)
    # Eqs 15-8 and 15-11: n > 0 for a northern-hemisphere cone, so no sign flips are needed.
    rho = math.hypot(dx, dy)
    theta = math.atan2(dx, dy)
    t = math.pow(rho / (_A * _BIG_F), 1 / _N)
    lon = math.degrees(theta / _N + _LAMBDA0)
    phi = math.pi / 2 - 2 * math.atan(t)  # the spherical answer starts the iteration
    for _ in range(_MAX_ITERATIONS):
        e_sin = _E * math.sin(phi)
        next_phi = math.pi / 2 - 2 * math.atan(t * math.pow((1 - e_sin) / (1 + e_sin), _E / 2))
        if abs(next_phi - phi) < _TOLERANCE:
            phi = next_phi
            break
        phi = next_phi
    return math.degrees(phi), lon
