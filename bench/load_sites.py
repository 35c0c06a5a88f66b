"""The load benchmark's sites file, written here by hand: 20 invented teams on a grid over NYC.

Each team is a 1,500 m circle in its own grid cell (cells are about 6.9 x 3.4 km, so circles
never overlap and every incident routes to exactly one team), with two interrupters, who are
paged at once, and a supervisor, who would only hear at escalation. Escalation and follow-ups
are a day or more away, so nothing but the alerts and the replies' effects runs during a run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROWS, COLUMNS = 4, 5
SOUTH, NORTH, WEST, EAST = 40.60, 40.85, -74.00, -73.80
RADIUS_M = 1500.0
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class LoadTeam:
    """One team of the load sites: where its circle is and who is on it."""

    number: int
    lat: float
    lon: float
    interrupters: tuple[str, str]
    supervisor: str

    @property
    def id(self) -> str:
        """The team id in the sites file."""
        return f"load-{self.number:02d}"

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A random point well inside the circle (90% of the radius: no edge rounding)."""
        distance = RADIUS_M * 0.9 * math.sqrt(rng.random())
        bearing = rng.uniform(0, 2 * math.pi)
        lat = self.lat + distance * math.cos(bearing) / METRES_PER_DEGREE
        lon = self.lon + distance * math.sin(bearing) / (
            METRES_PER_DEGREE * math.cos(math.radians(self.lat)))
        return round(lat, 6), round(lon, 6)


def build_teams() -> tuple[LoadTeam, ...]:
    """The 20 teams, row by row from the south-west; phones +1212555NNNN from 1000 up."""
    teams = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            n = row * COLUMNS + column + 1
            first = 1000 + 3 * (n - 1)
            teams.append(LoadTeam(
                number=n,
                lat=round(SOUTH + (row + 0.5) * (NORTH - SOUTH) / ROWS, 6),
                lon=round(WEST + (column + 0.5) * (EAST - WEST) / COLUMNS, 6),
                interrupters=(f"+1212555{first:04d}", f"+1212555{first + 1:04d}"),
                supervisor=f"+1212555{first + 2:04d}",
            ))
    return tuple(teams)


def spread(teams: Sequence[LoadTeam], count: int,
           rng: random.Random) -> list[tuple[float, float]]:
    """`count` incident points round-robin over the teams: each its share, at a random spot."""
    return [teams[i % len(teams)].point(rng) for i in range(count)]


def sites_document(teams: tuple[LoadTeam, ...]) -> dict[str, Any]:
    """The sites file's content as YAML-ready data."""
    return {
        "coordinators_channel": "C0LOADHQ",
        "coordinators": [
            {"name": "Load Coordinator One", "phone": "+12125550900"},
            {"name": "Load Coordinator Two", "phone": "+12125550901"},
        ],
        "teams": [{
            "id": team.id,
            "name": f"Load Team {team.number:02d}",
            "slack_channel": f"C0LOAD{team.number:02d}",
            "geofences": [{"circle": {"lat": team.lat, "lon": team.lon, "radius_m": RADIUS_M}}],
            "members": [
                {"name": f"Team {team.number:02d} Interrupter A", "phone": team.interrupters[0],
                 "role": "interrupter"},
                {"name": f"Team {team.number:02d} Interrupter B", "phone": team.interrupters[1],
                 "role": "interrupter"},
                {"name": f"Team {team.number:02d} Supervisor", "phone": team.supervisor,
                 "role": "supervisor"},
            ],
            "escalation": {"required_acks": 1, "steps": [
                {"after": "1d", "notify": "supervisor"},
                {"after": "2d", "notify": "coordinators"},
            ]},
            # Nobody answers the load's alerts: calls would follow every one (`bench calls`
            # measures them on its own).
            "repage_after": "off",
        } for team in teams],
    }


def write_sites(path: Path, slack_user: str | None = None) -> tuple[LoadTeam, ...]:
    """Write the sites file to `path` (the first coordinator on Slack as `slack_user`, when
    given: who may type `/cms`); return its teams."""
    teams = build_teams()
    document = sites_document(teams)
    if slack_user:
        document["coordinators"][0]["slack_user"] = slack_user
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return teams
