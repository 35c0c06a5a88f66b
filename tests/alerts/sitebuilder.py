"""Small hand-drawn sites for routing tests: two square catchments side by side, and a circle.

    lon -73.92      -73.90      -73.88
     +-----------+-----------+        lat 40.68
     |   east    |   west    |
     | precinct  | precinct  |        "precinct:75" is the west square, "precinct:73" the east
     |    73     |    75     |        one; team "eny" has 75 (buffer 50 m), "bvl" has 73, and
     +-----------+-----------+        lat 40.66   "jam" a 1 km circle far away in Queens.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import shapely

from alerts.sites import Sites
from alerts.sites_parse import parse_sites

NY = ZoneInfo("America/New_York")
LAYERS = {"precinct": {
    "73": shapely.box(-73.92, 40.66, -73.90, 40.68),
    "75": shapely.box(-73.90, 40.66, -73.88, 40.68),
}}


def member(name: str, phone: str, role: str = "interrupter", **extra: Any) -> dict[str, Any]:
    """A member entry as the sites file writes it."""
    return {"name": name, "phone": phone, "role": role, **extra}


def sites_data(**changes: Any) -> dict[str, Any]:
    """The sites file's data (a fresh copy each call: tests may change it before parsing)."""
    data: dict[str, Any] = {
        "coordinators_channel": "C0CMSHQ",
        "coordinators": [{"name": "Dana Reyes", "phone": "+12125550100", "slack_user": "U0COORD1"}],
        "teams": [
            {"id": "eny", "name": "Man Up ENY", "slack_channel": "C075ENY", "buffer_m": 50,
             "geofences": ["precinct:75"], "hospitals": ["Brookdale"],
             "members": [member("Ray Ortiz", "+12125550175"),
                         member("Keisha Grant", "+12125550177", "outreach",
                                shifts=["mon-fri 18:00-02:00"]),
                         member("Andre Mills", "+12125550178", "hospital"),
                         member("Lee Park", "+12125550176", "supervisor")]},
            {"id": "bvl", "name": "Brownsville In Violence Out", "slack_channel": "C073BVL",
             "geofences": ["precinct:73"],
             "members": [member("Tasha Bell", "+12125550173"),
                         member("Omar Haddad", "+12125550174", "supervisor")]},
            {"id": "jam", "name": "LIFE Camp", "slack_channel": "C113JAM",
             "geofences": [{"circle": {"lat": 40.6915, "lon": -73.7925, "radius_m": 1000}}],
             "members": [member("Erica Shaw", "+17185550113")]},
        ],
    }
    data.update(changes)
    return data


def build_sites(**changes: Any) -> Sites:
    """The sites with `changes` to the top-level data, parsed (for tests that need a variant)."""
    return parse_sites(sites_data(**changes), LAYERS, NY)


# Parsed once for every test that only reads them: `Sites` is frozen.
SITES = build_sites()
