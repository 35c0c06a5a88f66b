"""Read the sites file and the layers it names; report problems with their line in the file."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from shapely.geometry.base import BaseGeometry

from alerts.roster import Roster
from alerts.sites import Sites
from alerts.sites_parse import SiteProblem, SitesError, parse_roster, parse_sites
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
    data, lines = _read_yaml(path)
    if data is None:
        raise SitesFileError(path, [LocatedProblem(0, "(top)", "the sites file is empty: it "
                                                   "needs teams: and coordinators:")])
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
        located = [LocatedProblem(_line_of(p.where, lines), _one_line(p.where),
                                  _one_line(p.message)) for p in problems]
        raise SitesFileError(path, sorted(located, key=lambda p: p.line))
    return LoadedSites(sites, {name: layer for name, layer in layers.items()
                               if isinstance(layer, Layer)})


def _read_yaml(path: Path) -> tuple[object, dict[str, int]]:
    """The YAML data of a file and the line each path in it starts on."""
    if path.exists() and not path.is_file() and not path.is_dir():
        # A pipe or a device would be read for ever (or never answer): only files are read.
        raise SitesFileError(path, [LocatedProblem(0, str(path), "cannot read: not a regular file")])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SitesFileError(path, [LocatedProblem(0, str(path), f"cannot read: {exc.strerror}")]) \
            from None
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        raise SitesFileError(path, [LocatedProblem(
            0, str(path), f"not UTF-8 text: byte {bad:#04x} at position {exc.start}; save the file "
            "as UTF-8")]) from None
    try:
        lines = _line_map(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise SitesFileError(path, [LocatedProblem(line, "(yaml)", _yaml_message(exc))]) \
            from None
    except RecursionError:
        # PyYAML reads nested brackets by recursion: thousands deep is no sites file.
        raise SitesFileError(path, [LocatedProblem(0, "(yaml)", "the file nests too deeply "
                                                   "to read")]) from None
    return data, lines

def load_roster(path: Path, team_ids: Sequence[str]) -> Roster:
    """Read the people of a sites file (or of `cmsbot roster export`); raise SitesFileError
    listing every problem with its line."""
    data, lines = _read_yaml(path)
    try:
        return parse_roster(data, team_ids)
    except SitesError as exc:
        raise SitesFileError(path, sorted(
            (LocatedProblem(_line_of(p.where, lines), _one_line(p.where), _one_line(p.message))
             for p in exc.problems), key=lambda p: p.line)) from None


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


def _line_map(root: yaml.Node | None) -> dict[str, int]:
    """Every path in the document (`teams[0].members[1].phone`) and the line it starts on."""
    lines: dict[str, int] = {}
    seen: set[int] = set()
    # Iterative, and each node visited once: anchors may repeat a node a billion times over
    # (or inside itself), and a recursive walk would never end or overflow the stack.
    todo: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while todo:
        node, path = todo.pop()
        lines.setdefault(path or "(top)", node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = f"{path}.{key.value}" if path else str(key.value)
                lines.setdefault(child, key.start_mark.line + 1)
                todo.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, f"{path}[{index}]") for index, item in enumerate(node.value))
    return lines


def _yaml_message(exc: yaml.YAMLError) -> str:
    """What PyYAML found wrong, then what it was reading and from which line."""
    problem = getattr(exc, "problem", None)
    if not problem:
        return _one_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and mark:
        return _one_line(f"{problem} ({context} from line {mark.line + 1})")
    return _one_line(f"{problem} ({context})" if context else str(problem))


def _one_line(text: str) -> str:
    # Keys and values come from the file and may hold newlines or control characters: each
    # problem stays on one line of `sites check`, with such characters escaped as Python would.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _line_of(where: str, lines: Mapping[str, int]) -> int:
    # A missing key has no line of its own: point at the nearest thing that exists. Each step
    # drops the last `.key` or `[n]`; a path with none left (a top-level key) ends the search.
    candidate = where
    while candidate:
        if candidate in lines:
            return lines[candidate]
        shorter = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", candidate)
        if shorter == candidate:
            break
        candidate = shorter
    return 0
