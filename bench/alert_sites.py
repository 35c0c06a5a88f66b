"""The replay's sites file: one team per NYPD precinct, so every shooting of 2006-2022 has a
team, as in a city-wide deployment (the load sites' 20 circles would send most of it to the
two coordinators, whose open alerts would then pile up by the thousand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

PRECINCTS = "nyc_police_precincts_77.geojson"  # the boundaries of the years replayed


def precinct_numbers(data_dir: Path) -> list[int]:
    """The precincts of the layer, in order."""
    layer = json.loads((data_dir / PRECINCTS).read_text(encoding="utf-8"))
    return sorted({int(feature["properties"]["precinct"]) for feature in layer["features"]})


def sites_document(data_dir: Path) -> dict[str, Any]:
    """A team per precinct, two interrupters and a supervisor each; the layer read in place."""
    teams = []
    for n, precinct in enumerate(precinct_numbers(data_dir)):
        first = 1000 + 3 * n
        phones = [f"+1646555{first + i:04d}" for i in range(3)]
        teams.append({
            "id": f"pct-{precinct:03d}", "name": f"Precinct {precinct} Team",
            "slack_channel": f"C0PCT{precinct:03d}", "geofences": [f"precinct:{precinct}"],
            "members": [
                {"name": f"Precinct {precinct} Interrupter A", "phone": phones[0],
                 "role": "interrupter"},
                {"name": f"Precinct {precinct} Interrupter B", "phone": phones[1],
                 "role": "interrupter"},
                {"name": f"Precinct {precinct} Supervisor", "phone": phones[2],
                 "role": "supervisor"},
            ],
            # A day and more away: nothing but the alerts runs during a replay.
            "escalation": {"required_acks": 1, "steps": [
                {"after": "1d", "notify": "supervisor"}, {"after": "2d", "notify": "coordinators"}]},
        })
    return {
        "geofence_layers": {"precinct": {"path": str(data_dir / PRECINCTS),
                                         "id_property": "precinct"}},
        "coordinators_channel": "C0PCTHQ",
        "coordinators": [{"name": "Replay Coordinator", "phone": "+16465550900"}],
        "teams": teams,
    }


def write_precinct_sites(path: Path, data_dir: Path) -> None:
    """Write the sites file to `path` (the precinct layer stays in `data_dir`: never copied)."""
    path.write_text(yaml.safe_dump(sites_document(data_dir), sort_keys=False), encoding="utf-8")
