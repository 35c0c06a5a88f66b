"""Incident types: what the feed says happened, apart from `kind` (shooting, takedown, SOS).

Three are built in; a sites file may add more (`incident_types: [stabbing]`) and let a team
take only some (`types: [shooting, shots-fired]`). A type id is plain lower-case ASCII, so its
label is GSM-7 and an alert that names it still fits the SMS budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alerts.shown import shown

SHOOTING = "shooting"
SHOTS_FIRED = "shots-fired"
POLICE_INVOLVED = "police-involved"
BUILTIN_TYPES: tuple[str, ...] = (SHOOTING, SHOTS_FIRED, POLICE_INVOLVED)
TYPE_ID = re.compile(r"^[a-z][a-z0-9-]{0,29}\Z")
_LABELS = {SHOOTING: "Shooting", SHOTS_FIRED: "Shots fired",
           POLICE_INVOLVED: "Police-involved shooting"}

# A problem with a list of types: the index of the bad item (None: the list itself) and why.
TypeProblem = tuple[int | None, str]


def type_label(type_id: str) -> str:
    """How staff read a type: "Shots fired", "Police-involved shooting", "Stabbing"."""
    return _LABELS.get(type_id) or type_id.replace("-", " ").capitalize()


def allowed(types: Sequence[str]) -> str:
    """The allowed types, as an error message lists them."""
    return ", ".join(types)


def parse_extra_types(raw: object) -> tuple[tuple[str, ...], list[TypeProblem]]:
    """The sites file's `incident_types`: the built-in three and any listed after them."""
    if raw is None:
        return BUILTIN_TYPES, []
    if not isinstance(raw, list):
        return BUILTIN_TYPES, [(None, "must be a list of type names like [stabbing]")]
    found = list(BUILTIN_TYPES)
    problems: list[TypeProblem] = []
    for i, item in enumerate(raw):
        if not isinstance(item, str) or not TYPE_ID.match(item):
            problems.append((i, "a type is lower-case letters, digits and dashes, starting with "
                                f"a letter (at most 30), e.g. stabbing, not {shown(item)}"))
        elif item not in found:  # naming a built-in one again is harmless
            found.append(item)
    return tuple(found), problems


def parse_team_types(raw: object, known: Sequence[str]) -> tuple[tuple[str, ...] | None,
                                                                 list[TypeProblem]]:
    """A team's `types`: None (it takes every type) when left out."""
    if raw is None:
        return None, []
    if not isinstance(raw, list) or not raw:
        return None, [(None, "must be a non-empty list of incident types, e.g. [shooting, "
                             "shots-fired]; leave it out to take every type")]
    problems: list[TypeProblem] = [
        (i, f"unknown type {shown(item)}; expected one of {allowed(known)} (add others under "
            "incident_types)") for i, item in enumerate(raw) if item not in known]
    if problems:
        return None, problems
    return tuple(dict.fromkeys(str(item) for item in raw)), []
