"""`cmsbot sites check` and `cmsbot geofences check`, as an operator runs them."""

import json
from pathlib import Path

import pytest

from bot.cli.commands import build_parser
from bot.config.settings import SAMPLE_SITES

SQUARE = {"type": "Polygon", "coordinates": [[[-73.92, 40.66], [-73.90, 40.66], [-73.90, 40.68],
                                              [-73.92, 40.68], [-73.92, 40.66]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[-73.90, 40.66], [-73.88, 40.68], [-73.88, 40.66],
                                              [-73.90, 40.68], [-73.90, 40.66]]]}


def run(settings, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.run(args, settings)


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    path = tmp_path / "precincts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"precinct": "73", "name": "Brownsville"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"precinct": 75.0, "name": "East New York"},
         "geometry": BOWTIE},
        {"type": "Feature", "properties": {"name": "no id"}, "geometry": SQUARE},
    ]}))
    return path


def test_the_sample_sites_file_checks_out(settings, capsys):
    assert run(settings, "sites", "check", str(SAMPLE_SITES)) == 0
    out = capsys.readouterr().out
    assert "OK: 4 teams, 11 members, 2 coordinators" in out
    # Warnings, not problems: the status stays 0.
    assert (f"{SAMPLE_SITES}: warning: teams[0] man-up-eny: 3 member(s) with no shifts, paged at "
            "any hour: Ray Ortiz, Andre Mills, Lee Park") in out
    assert f"{SAMPLE_SITES}: warning: coordinators: 2 coordinators and no rotation" in out


def test_every_problem_is_reported_with_its_line(settings, tmp_path, layer, capsys):
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        "geofence_layers:\n"
        "  precinct: {path: precincts.geojson, id_property: precinct}\n"   # relative to the file
        "coordinators:\n"
        "  - {name: Dana Reyes, phone: '+12125550100'}\n"
        "teams:\n"
        "  - id: man-up-eny\n"
        "    name: Man Up\n"
        "    geofences: ['precinct:75', 'zip:11207']\n"
        "    members:\n"
        "      - {name: Ray Ortiz, phone: '12', role: interrupter}\n"
        "      - {name: Lee Park, phone: '+12125550176', role: boss}\n"
        "  - id: man-up-eny\n"
        "    name: Twin\n"
        "    geofences: ['precinct:99']\n")
    assert run(settings, "sites", "check", str(sites)) == 1
    out = capsys.readouterr().out
    assert f"{sites}:8: teams[0].geofences[1]: unknown layer 'zip'" in out
    assert f"{sites}:10: teams[0].members[0].phone:" in out
    assert f"{sites}:11: teams[0].members[1].role: unknown role 'boss'" in out
    assert f"{sites}:12: teams[1].id: duplicate team id 'man-up-eny'" in out
    assert f"{sites}:14: teams[1].geofences[0]: layer 'precinct' has no feature with id '99'" in out
    assert "5 problem(s)" in out


def test_a_sites_file_that_is_not_yaml_says_where(settings, tmp_path, capsys):
    sites = tmp_path / "sites.yaml"
    sites.write_text("teams:\n  - id: [unclosed\n")
    assert run(settings, "sites", "check", str(sites)) == 1
    assert f"{sites}:3: (yaml)" in capsys.readouterr().out


def test_a_missing_layer_file_is_reported_at_its_declaration(settings, tmp_path, capsys):
    sites = tmp_path / "sites.yaml"
    sites.write_text("geofence_layers:\n  precinct: {path: gone.geojson, id_property: precinct}\n"
                     "coordinators: [{name: D, phone: '+12125550100'}]\n"
                     "teams: [{id: t, name: T, geofences: ['precinct:75']}]\n")
    assert run(settings, "sites", "check", str(sites)) == 1
    out = capsys.readouterr().out
    assert f"{sites}:2: geofence_layers.precinct.path:" in out and "no such file" in out


def test_geofences_check_describes_a_layer_and_its_repairs(settings, layer, capsys):
    assert run(settings, "geofences", "check", str(layer), "--id-property", "precinct",
               "--name-property", "name") == 0
    out = capsys.readouterr().out
    assert "2 areas by 'precinct'" in out
    assert "73 (Brownsville), 75 (East New York)" in out
    assert "repaired: 1" in out and "75: Self-intersection" in out
    assert "feature 2: no 'precinct' property" in out
    assert "bounds: lon -73.9200 .. -73.8800, lat 40.6600 .. 40.6800" in out


def test_geofences_check_with_a_wrong_property_lists_the_ones_there_are(settings, layer, capsys):
    assert run(settings, "geofences", "check", str(layer), "--id-property", "pct") == 1
    out = capsys.readouterr().out
    assert "no polygon feature has the property 'pct'" in out
    assert "properties of the first feature: name, precinct" in out


def test_a_layer_in_state_plane_feet_is_refused_with_the_reason(settings, tmp_path, capsys):
    path = tmp_path / "feet.geojson"
    feet = {"type": "Polygon", "coordinates": [[[1000000, 180000], [1010000, 180000],
                                                [1010000, 190000], [1000000, 180000]]]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"precinct": "75"}, "geometry": feet}]}))
    assert run(settings, "geofences", "check", str(path), "--id-property", "precinct") == 1
    assert "EPSG:2263" in capsys.readouterr().out


def test_a_playbook_that_would_tell_residents_private_details_is_refused(settings, tmp_path,
                                                                          capsys):
    sites = tmp_path / "sites.yaml"
    text = SAMPLE_SITES.read_text(encoding="utf-8").replace(
        "Support is available in {area} this week.", "2 victims at 455 E 140 ST.")
    sites.write_text(text, encoding="utf-8")
    for name in ("zips.geojson", "nta.geojson"):
        (tmp_path / name).write_bytes((SAMPLE_SITES.parent / name).read_bytes())
    assert run(settings, "sites", "check", str(sites)) == 1
    out = capsys.readouterr().out
    line = text.splitlines().index(next(
        row for row in text.splitlines() if "2 victims at 455" in row)) + 1
    assert (f"{sites}:{line}: takedown_playbooks.default[2].text: playbook 'default' sends this "
            "step to residents, and residents never get victim details, a hospital or an exact "
            'address: "2 victims": victim details; "455 E 140 ST": an exact address') in out


def test_a_bad_phone_is_shown_as_typed_so_the_operator_can_find_it(settings, tmp_path, capsys):
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        "coordinators:\n"
        "  - {name: Dana Reyes, phone: '555'}\n"
        "  - {name: Sam Lee, phone: 'call me'}\n"
        "teams: []\n")
    assert run(settings, "sites", "check", str(sites)) == 1
    out = capsys.readouterr().out
    assert f'{sites}:2: coordinators[0].phone: phone "555" is not a valid number' in out
    assert f'{sites}:3: coordinators[1].phone: phone "call me" is not a phone number' in out
    assert "***" not in out


def test_a_file_without_coordinators_says_the_key_is_required(settings, tmp_path, capsys):
    sites = tmp_path / "sites.yaml"
    sites.write_text("# teams to come\n")
    assert run(settings, "sites", "check", str(sites)) == 1
    out = capsys.readouterr().out
    assert "the sites file is empty" in out and "coordinators" in out


def test_incident_types_and_team_types_are_checked_and_shown(settings, tmp_path, capsys):
    sites = tmp_path / "sites.yaml"
    text = ("coordinators:\n"
            "  - {name: Dana Reyes, phone: '+12125550100'}\n"
            "incident_types: [stabbing, Mass Shooting]\n"
            "teams:\n"
            "  - id: man-up-eny\n"
            "    name: Man Up\n"
            "    geofences: [{circle: {lat: 40.67, lon: -73.89, radius_m: 900}}]\n"
            "    types: [shooting, arson]\n"
            "    members:\n"
            "      - {name: Ray Ortiz, phone: '+12125550175'}\n")
    sites.write_text(text)
    assert run(settings, "sites", "check", str(sites)) == 1
    out = capsys.readouterr().out
    assert f'{sites}:3: incident_types[1]: a type is lower-case letters' in out
    assert (f"{sites}:8: teams[0].types[1]: unknown type \"arson\"; expected one of shooting, "
            "shots-fired, police-involved, stabbing") in out
    sites.write_text(text.replace(", Mass Shooting", "").replace("arson", "stabbing"))
    assert run(settings, "sites", "check", str(sites)) == 0
    out = capsys.readouterr().out
    assert "incident types: shooting, shots-fired, police-involved, stabbing" in out
    assert "types shooting, stabbing" in out
