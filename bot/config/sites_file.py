"""Read the sites file and the layers it names; report problems with their line in the file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from shapely.geometry.base import BaseGeometry

from alerts.sites import Sites
from alerts.sites_parse import SiteProblem, SitesError, parse_sites
from bot.config.geojson import Layer, LayerError, load_layer


@dataclass(frozen=True)
class LocatedProblem:
    """A sites problem with the line it is on (0 when the whole file is meant)."""

    line: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.where}: {self.message}" if self.line \
            else f"{self.where}: {self.message}"


class SitesFileError(ValueError):
    """The sites file cannot be used; `problems` says everything that is wrong, in file order."""

    def __init__(self, path: Path, problems: list[LocatedProblem]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s):\n" + "\n".join(map(str, problems)))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class LoadedSites:
    """The sites, and the layers read for them (for `sites check` to describe)."""

    sites: Sites
    layers: Mapping[str, Layer]


def load_sites(path: Path, timezone: str = "America/New_York") -> LoadedSites:
    """Read and check a sites file; raise SitesFileError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SitesFileError(path, [LocatedProblem(0, str(path), f"cannot read: {exc.strerror}")]) \
            from None
    try:
        lines = _line_map(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise SitesFileError(path, [LocatedProblem(line, "(yaml)", str(exc).splitlines()[0])]) \
            from None
    problems: list[SiteProblem] = []
    layers = _load_layers(path.parent, data, problems)
    geometries: dict[str, Mapping[str, BaseGeometry] | str] = {
        name: layer.features if isinstance(layer, Layer) else layer
        for name, layer in layers.items()}
    try:
        names = {name: layer.names for name, layer in layers.items() if isinstance(layer, Layer)}
        sites = parse_sites(data, geometries, ZoneInfo(timezone), names=names)
    except SitesError as exc:
        problems.extend(exc.problems)
    if problems:
        located = [LocatedProblem(_line_of(p.where, lines), p.where, p.message) for p in problems]
        raise SitesFileError(path, sorted(located, key=lambda p: p.line))
    return LoadedSites(sites, {name: layer for name, layer in layers.items()
                               if isinstance(layer, Layer)})


def _load_layers(folder: Path, data: object,
                 problems: list[SiteProblem]) -> dict[str, Layer | str]:
    """Each declared layer, or why it could not be read (reported by `parse_sites`)."""
    declared = data.get("geofence_layers") if isinstance(data, Mapping) else None
    if declared is None:
        return {}
    if not isinstance(declared, Mapping):
        problems.append(SiteProblem("geofence_layers", "must map layer names to {path, id_property}"))
        return {}
    layers: dict[str, Layer | str] = {}
    for name, spec in declared.items():
        where = f"geofence_layers.{name}"
        if not isinstance(spec, Mapping) or not spec.get("path") or not spec.get("id_property"):
            problems.append(SiteProblem(where, "needs path and id_property"))
            continue
        unknown = set(spec) - {"path", "id_property", "name_property"}
        if unknown:
            problems.append(SiteProblem(f"{where}.{sorted(unknown)[0]}",
                                        "unknown key; expected path, id_property, name_property"))
        try:
            layers[str(name)] = load_layer(folder / str(spec["path"]), str(spec["id_property"]),
                                           spec.get("name_property"))
        except LayerError as exc:
            layers[str(name)] = str(exc)
    return layers


def _line_map(node: yaml.Node | None, path: str = "") -> dict[str, int]:
    """Every path in the document (`teams[0].members[1].phone`) and the line it starts on."""
    if node is None:
        return {}
    lines = {path or "(top)": node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            lines.update({k: v for k, v in _line_map(value, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, f"{path}[{index}]"))
    return lines


def _line_of(where: str, lines: Mapping[str, int]) -> int:
    # A missing key has no line of its own: point at the nearest thing that exists.
    candidate = where
    while candidate:
        if candidate in lines:
            return lines[candidate]
        candidate = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", candidate)
    return 0
