"""The sites file's `rotations:` mapping: a rotation for the coordinators and for any team's
supervisors, each {people, shift, handoff[, start][, escalate_after]}.

Names are not checked against the roster here: the roster lives in the database and changes
without the sites file; a name the roster no longer has is skipped when turns are taken
(bot.services.on_call), and `cmsbot check` lists such names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from alerts.durations import DurationError, parse_duration
from alerts.roster import COORDINATORS
from alerts.rotations import Rotation, RotationError, parse_rotation

_KEYS = {"people", "shift", "handoff", "start", "escalate_after"}


def parse_rotations(raw: object, team_ids: Sequence[str],
                    add: Callable[[str, str], None]) -> dict[str, Rotation]:
    """Rotations by group ("coordinators" or a team id); each problem goes to `add`."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        add("rotations", "must map coordinators or a team id to {people: [...], shift: 1w, "
                         "handoff: 'mon 09:00'}")
        return {}
    found: dict[str, Rotation] = {}
    for group, spec in raw.items():
        where = f"rotations.{group}"
        if group != COORDINATORS and group not in team_ids:
            add(where, f"is neither coordinators nor a team id ({', '.join(team_ids)})")
            continue
        if not isinstance(spec, Mapping) or not {"people", "shift", "handoff"} <= set(spec):
            add(where, "needs people, shift and handoff, e.g. {people: [Ana Ruiz, Ben Ortiz], "
                       "shift: 1w, handoff: 'mon 09:00'}")
            continue
        for key in spec:
            if key not in _KEYS:
                add(f"{where}.{key}", f"unknown key; expected one of {', '.join(sorted(_KEYS))}")
        rotation = _rotation(where, spec, add)
        if rotation is not None:
            found[str(group)] = rotation
    return found


def _rotation(where: str, spec: Mapping[object, object],
              add: Callable[[str, str], None]) -> Rotation | None:
    people = spec["people"]
    if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
        add(f"{where}.people", "must be a list of names")
        return None
    start = spec.get("start")
    if start is not None and not isinstance(start, date):
        add(f"{where}.start", "must be a date, e.g. 2026-01-05 (the first turn's first day)")
        return None
    try:
        wait = parse_duration(spec["escalate_after"]) if "escalate_after" in spec else None
    except DurationError as exc:
        add(f"{where}.escalate_after", str(exc))
        return None
    try:
        return parse_rotation(people, str(spec["shift"]), str(spec["handoff"]), start, wait)
    except RotationError as exc:
        add(where, str(exc))
        return None
