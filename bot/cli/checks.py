"""`cmsbot sites check` and `cmsbot geofences check`: tell an operator what a file holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from alerts.durations import format_duration
from alerts.site_warnings import site_warnings
from bot.config.geojson import Layer, LayerError, load_layer
from bot.config.settings import Settings
from bot.config.sites_file import SitesFileError, load_sites


def sites_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate a sites file and its layers; print every problem with its line; 1 if any.

    Warnings (members with no shifts, coordinators with no rotation) leave the status at 0.
    """
    path: Path = args.file
    try:
        loaded = load_sites(path, settings.timezone)
    except SitesFileError as exc:
        for problem in exc.problems:
            place = f"{path}:{problem.line}" if problem.line else str(path)
            print(f"{place}: {problem.where}: {problem.message}")
        print(f"{len(exc.problems)} problem(s) in {path}")
        return 1
    sites = loaded.sites
    members = sum(len(team.members) for team in sites.teams)
    print(f"{path}: OK: {len(sites.teams)} teams, {members} members, "
          f"{len(sites.coordinators)} coordinators")
    print(f"  incident types: {', '.join(sites.incident_types)}")
    for name, layer in loaded.layers.items():
        print(f"  layer {name}: {len(layer.features)} areas from {layer.path}"
              + (f", {len(layer.repaired)} repaired" if layer.repaired else ""))
    for team in sites.teams:
        on_call = [m for m in team.members if m.role != "supervisor"]
        print(f"  {team.id}: {len(team.members)} members ({len(on_call)} paged first), "
              f"geofences {', '.join(team.geofences)}, buffer {team.buffer_m:g} m, "
              f"Slack {team.slack_channel or '-'}"
              + (f", types {', '.join(team.types)}" if team.types is not None else ""))
    for source in sites.sources.values():
        print(f"  source {source.name}: must be heard from within "
              f"{format_duration(source.expect_within)}")
    for warning in site_warnings(sites):  # worth knowing, not wrong: the exit status stays 0
        print(f"{path}: warning: {warning}")
    return 0


def geofences_check(args: argparse.Namespace, _settings: Settings) -> int:
    """Describe a GeoJSON layer: areas, ids, bounds and repaired geometries; 1 if unusable."""
    path: Path = args.file
    try:
        layer = load_layer(path, args.id_property, args.name_property)
    except LayerError as exc:
        print(f"cmsbot: {exc}")
        hint = _property_hint(path)
        if hint:
            print(hint)
        return 1
    _describe(layer)
    return 0


def _describe(layer: Layer) -> None:
    ids = sorted(layer.features, key=lambda key: (len(key), key))
    minx, miny, maxx, maxy = layer.bounds or (0.0, 0.0, 0.0, 0.0)
    print(f"{layer.path}: {len(ids)} areas by {layer.id_property!r}")
    shown = ", ".join(f"{key} ({layer.names[key]})" if key in layer.names else key
                      for key in ids[:30])
    print(f"  ids: {shown}{f', ... ({len(ids) - 30} more)' if len(ids) > 30 else ''}")
    print(f"  bounds: lon {minx:.4f} .. {maxx:.4f}, lat {miny:.4f} .. {maxy:.4f}")
    kinds: dict[str, int] = {}
    for geometry in layer.features.values():
        kinds[geometry.geom_type] = kinds.get(geometry.geom_type, 0) + 1
    print("  geometries: " + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())))
    print(f"  repaired: {len(layer.repaired)}")
    for key, reason in layer.repaired:
        print(f"    {key}: {reason}")
    if layer.merged:
        print(f"  merged (several features with one id): {', '.join(sorted(set(layer.merged)))}")
    if layer.skipped:
        print(f"  skipped: {len(layer.skipped)}")
        for reason in layer.skipped[:20]:
            print(f"    {reason}")


def _property_hint(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        properties = data["features"][0]["properties"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return f"  properties of the first feature: {', '.join(sorted(properties))}"
