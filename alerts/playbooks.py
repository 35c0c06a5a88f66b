"""Post-takedown playbooks as the sites file writes them: steps relative to the takedown date.

A step is written `{at: 1d 10:00, to: team, text: "..."}`: the day after the takedown at 10:00
local time. A step without a time of day is at 10:00. `{area}`, `{date}`, `{note}` and `{day}`
in the text are filled in when the step is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

Audience = Literal["team", "residents"]
DEFAULT_TIME = time(10, 0)
_AT = re.compile(r"^(\d{1,3})d(?:\s+(\d{1,2}):(\d{2}))?$")
_PLACEHOLDERS = re.compile(r"\{(\w+)\}")
_KNOWN_PLACEHOLDERS = {"area", "date", "note", "day"}


class PlaybookError(ValueError):
    """A playbook step that cannot be understood."""


@dataclass(frozen=True)
class PlaybookStep:
    """One step: `day` days after the takedown date, at `at` local time, to the team or residents."""

    day: int
    at: time
    audience: Audience
    text: str

    @property
    def label(self) -> str:
        """"Day 0 18:00", as coordinators read the schedule."""
        return f"Day {self.day} {self.at:%H:%M}"


def parse_step(raw: Mapping[str, object]) -> PlaybookStep:
    """One playbook step from the sites file; PlaybookError naming what is wrong."""
    at = " ".join(str(raw.get("at", "")).split()).lower()
    match = _AT.match(at)
    if not match:
        raise PlaybookError(f"at: {at!r} is not a step time; write e.g. '0d 18:00' or '7d'")
    day = int(match[1])
    clock = DEFAULT_TIME
    if match[2] is not None:
        hour, minute = int(match[2]), int(match[3])
        if hour > 23 or minute > 59:
            raise PlaybookError(f"at: {at!r} has no such time of day")
        clock = time(hour, minute)
    audience = raw.get("to", "team")
    if audience not in ("team", "residents"):
        raise PlaybookError("to: must be team or residents")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PlaybookError("text: is required")
    unknown = set(_PLACEHOLDERS.findall(text)) - _KNOWN_PLACEHOLDERS
    if unknown:
        raise PlaybookError(f"text: unknown placeholder {{{sorted(unknown)[0]}}}; "
                            f"use {', '.join('{' + p + '}' for p in sorted(_KNOWN_PLACEHOLDERS))}")
    return PlaybookStep(day, clock, audience, " ".join(text.split()))


def fill(step: PlaybookStep, area: str, takedown_date: date, note: str) -> str:
    """The playbook's words with {area}, {date}, {note} and {day} filled in."""
    values = {"area": area, "date": f"{takedown_date:%a %-m/%-d}", "note": note or "",
              "day": str(step.day)}
    return " ".join(_PLACEHOLDERS.sub(lambda m: values.get(m[1], m[0]), step.text).split())
