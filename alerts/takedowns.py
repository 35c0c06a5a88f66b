"""Post-takedown plans: a playbook's steps placed in the city's wall-clock time, areas, dates.

A step at `1d 10:00` is at 10:00 local time the day after the takedown, whatever the UTC offset
is that day (daylight saving is handled by the time zone, not by adding hours).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from alerts.gsm import fit, to_gsm7
from alerts.playbooks import PlaybookStep, fill
from alerts.sites import Sites

LOOKBACK = timedelta(days=7)
MAX_REMINDER_SEGMENTS = 3


class TakedownError(ValueError):
    """A takedown request that cannot be carried out; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def step_time(takedown_date: date, step: PlaybookStep, tz: tzinfo) -> datetime:
    """When a step is due, as an aware UTC-offset datetime of the local wall-clock time."""
    local_day = takedown_date + timedelta(days=step.day)
    return wall_clock(datetime.combine(local_day, step.at), tz)


def wall_clock(local: datetime, tz: tzinfo) -> datetime:
    """A naive local wall-clock time as a real moment in `tz`.

    fold=0 picks the first of an ambiguous hour; a time in the spring-forward gap is moved to
    the hour after by the round trip through UTC (astimezone to the same zone would not).
    """
    return local.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def parse_date(text: str, today: date) -> date:
    """today, tomorrow, yesterday, 2026-12-01, 12/1 or 12/1/26; no more than a week back."""
    word = text.strip().lower()
    named = {"today": today, "tomorrow": today + timedelta(days=1),
             "yesterday": today - timedelta(days=1)}
    chosen = named[word] if word in named else _calendar_date(word, today)
    if chosen < today - LOOKBACK:
        raise TakedownError("date", f"{chosen.isoformat()} is more than a week ago; "
                            "a plan can start at most 7 days back")
    return chosen


def _calendar_date(word: str, today: date) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            return date.fromisoformat(word)
        parts = word.split("/")
        if len(parts) in (2, 3) and all(part.isdigit() for part in parts):
            month, day = int(parts[0]), int(parts[1])
            year = today.year if len(parts) == 2 else int(parts[2])
            year = year + 2000 if year < 100 else year
            return date(year, month, day)
    except (ValueError, OverflowError):  # 2/30, or a number too big for date() ("0/2147483648")
        pass
    raise TakedownError("date", f"{word!r} is not a date; write today, tomorrow, 2026-12-01 or 12/1")


@dataclass(frozen=True)
class Area:
    """Where a takedown happened, as the teams covering it and a label for the texts."""

    spec: str
    label: str
    team_ids: tuple[str, ...]


def resolve_area(spec: str, sites: Sites) -> Area:
    """A team id, `precinct:75`, or any geofence id a team has; TakedownError if none covers it."""
    wanted = spec.strip()
    for team in sites.teams:
        if team.id == wanted.lower():
            return Area(team.id, team.name, (team.id,))
    teams = tuple(team.id for team in sites.teams
                  if any(fence.lower() == wanted.lower() for fence in team.geofences))
    if not teams:
        raise TakedownError("area", f"no team covers {wanted!r}; use a team id, precinct:N or a "
                            "geofence id from the sites file")
    layer, _, key = wanted.partition(":")
    label = f"Precinct {key}" if layer.lower() == "precinct" else wanted
    return Area(wanted, label, teams)


def reminder_text(step: PlaybookStep, area: str, takedown_date: date, note: str, number: int,
                  late: bool) -> str:
    """The SMS reminder: the playbook's words, the short number, and how to answer."""
    body = fill(step, area, takedown_date, note)
    lines = [f"CMS TAKEDOWN #{number} (day {step.day}){' LATE' if late else ''}: {body}",
             f"Reply {number}A to confirm, {number}N with a short report"]
    return fit(to_gsm7("\n".join(lines)), MAX_REMINDER_SEGMENTS)


def schedule(takedown_date: date, steps: Sequence[PlaybookStep],
             tz: tzinfo) -> list[tuple[int, PlaybookStep, datetime]]:
    """Every step with its position and due time, in order."""
    return sorted(((i, step, step_time(takedown_date, step, tz)) for i, step in enumerate(steps)),
                  key=lambda item: (item[2], item[0]))
