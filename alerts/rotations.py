"""On-call rotations: who of a group (the coordinators, a team's supervisors) is on call when.

    rotations:
      coordinators: {people: [Ana Ruiz, Ben Ortiz], shift: 1w, handoff: "mon 09:00"}
      brag-mott-haven: {people: [Victor Adeyemi, Rosa Diaz], shift: 1d, handoff: "09:00"}

Handoffs are wall-clock times in the city's zone, so a weekly handoff at Monday 09:00 stays at
09:00 across the change to and from daylight saving time (that week is an hour shorter or
longer). The turns are counted from `start` (a date; the first handoff on or after it is the
first person's), which every process reads the same, so all agree on whose turn it is. A cover
(`/cms cover coordinators NAME [for OTHER] until TIME`, alerts.overrides) hands the turn to
someone for a while; someone off (OFF) passes it to the next person in the rotation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from alerts.overrides import Override
from alerts.shifts import DAYS

DEFAULT_START = date(2026, 1, 5)  # a Monday: weekly turns line up with the week
DEFAULT_ESCALATE_AFTER = timedelta(minutes=10)
_SHIFT = re.compile(r"^(\d{1,2})\s*([dw])$")
_HANDOFF = re.compile(r"^(?:([a-z]{3})\s+)?(\d{1,2}):(\d{2})$")


class RotationError(ValueError):
    """A rotation that cannot be understood."""


@dataclass(frozen=True)
class Rotation:
    """Turns of `shift_days` days, handed over at `handoff` (on `weekday` for weekly ones)."""

    people: tuple[str, ...]
    shift_days: int
    handoff: time
    weekday: int | None = None
    start: date = DEFAULT_START
    escalate_after: timedelta = DEFAULT_ESCALATE_AFTER

    def describe(self) -> str:
        """How the sites file said it, more or less: "weekly, mon 09:00"."""
        every = "daily" if self.shift_days == 1 else (
            "weekly" if self.shift_days == 7 else f"every {self.shift_days} days")
        day = f"{DAYS[self.weekday]} " if self.weekday is not None else ""
        return f"{every}, handoff {day}{self.handoff:%H:%M}"


@dataclass(frozen=True)
class Turn:
    """`person` is on call from `starts` until `ends` (aware instants); `covering` names whom
    they stand in for when a cover or time off moved the turn."""

    person: str
    starts: datetime
    ends: datetime
    covering: str | None = None


def parse_rotation(people: Sequence[str], shift: str, handoff: str,
                   start: date | None = None,
                   escalate_after: timedelta | None = None) -> Rotation:
    """A rotation from the sites file's words: shift "1d", "1w", "2w"; handoff "09:00" or
    "mon 09:00" (a weekday only for shifts of whole weeks)."""
    names = tuple(" ".join(str(p).split()) for p in people)
    if not names or any(not n for n in names):
        raise RotationError("people: list one name or more")
    if len({n.casefold() for n in names}) != len(names):
        raise RotationError("people: a name is listed twice")
    match = _SHIFT.match(shift.strip().lower())
    if not match or int(match[1]) == 0:
        raise RotationError(f"shift {shift!r}: write 1d, 1w or 2w")
    days = int(match[1]) * (7 if match[2] == "w" else 1)
    spot = _HANDOFF.match(" ".join(handoff.lower().split()))
    if not spot or int(spot[2]) > 23 or int(spot[3]) > 59:
        raise RotationError(f"handoff {handoff!r}: write 09:00 or mon 09:00")
    weekday = None
    if spot[1] is not None:
        if spot[1] not in DAYS:
            raise RotationError(f"handoff {handoff!r}: {spot[1]!r} is not a day (mon..sun)")
        if days % 7:
            raise RotationError(f"handoff {handoff!r}: a weekday needs a shift of whole weeks")
        weekday = DAYS.index(spot[1])
    return Rotation(names, days, time(int(spot[2]), int(spot[3])), weekday,
                    start or DEFAULT_START, escalate_after or DEFAULT_ESCALATE_AFTER)


def scheduled(rotation: Rotation, at: datetime, tz: tzinfo) -> Turn:
    """Whose turn it is at `at` by the rotation alone, and when that turn starts and ends."""
    anchor = _first_handoff(rotation)
    length = timedelta(days=rotation.shift_days)
    wall = at.astimezone(tz).replace(tzinfo=None)
    turns = (wall - anchor) // length
    begins = anchor + turns * length
    person = rotation.people[turns % len(rotation.people)]
    return Turn(person, _instant(begins, tz), _instant(begins + length, tz))


def on_call(rotation: Rotation, group: str, overrides: Sequence[Override], at: datetime,
            tz: tzinfo) -> Turn:
    """Who is on call at `at`: the latest cover of the group that holds (for the scheduled
    person, or for nobody in particular), else the scheduled person unless they are off, then
    the next person in the rotation who is not."""
    turn = scheduled(rotation, at, tz)
    mine = [o for o in overrides if o.team_id == group and o.active(at)]
    covers = [o for o in mine if o.kind == "cover"
              and (o.instead_of is None or o.instead_of.casefold() == turn.person.casefold())]
    if covers:
        cover = max(covers, key=lambda o: o.starts)
        return Turn(cover.name, max(cover.starts, turn.starts), min(cover.ends, turn.ends),
                    turn.person)
    off = {o.name.casefold(): o for o in mine if o.kind == "off"}
    if turn.person.casefold() not in off:
        return turn
    first = rotation.people.index(turn.person)
    ends = min(turn.ends, off[turn.person.casefold()].ends)
    for step in range(1, len(rotation.people)):
        other = rotation.people[(first + step) % len(rotation.people)]
        if other.casefold() not in off:
            return Turn(other, turn.starts, ends, turn.person)
    return turn  # all of them off: the turn stays where it was, nobody is left without one


def on_call_next(rotation: Rotation, group: str, overrides: Sequence[Override], at: datetime,
                 tz: tzinfo) -> Turn:
    """Who takes over when the person on call at `at` hands over."""
    return on_call(rotation, group, overrides, on_call(rotation, group, overrides, at, tz).ends, tz)


def turns(rotation: Rotation, group: str, overrides: Sequence[Override], since: datetime,
          until: datetime, tz: tzinfo) -> list[Turn]:
    """The turns from `since` to `until`, covers and time off applied (a calendar's periods)."""
    found: list[Turn] = []
    at = since
    while at < until and len(found) < 1000:
        turn = on_call(rotation, group, overrides, at, tz)
        # After a cover, the rest of a turn is a turn of its own, from when the cover ended.
        found.append(replace(turn, starts=max(turn.starts, at)) if found else turn)
        at = _next_change(turn, group, overrides, at)
    return found


def _next_change(turn: Turn, group: str, overrides: Sequence[Override], at: datetime) -> datetime:
    # A cover or time off starting inside the turn moves it there.
    starting = [o.starts for o in overrides if o.team_id == group and at < o.starts < turn.ends]
    return min([turn.ends, *starting])


def _first_handoff(rotation: Rotation) -> datetime:
    day = rotation.start
    if rotation.weekday is not None:
        day += timedelta(days=(rotation.weekday - day.weekday()) % 7)
    return datetime.combine(day, rotation.handoff)


def _instant(wall: datetime, tz: tzinfo) -> datetime:
    # fold=0: a handoff in the repeated hour is its first pass; one in the skipped hour lands
    # an hour later on the wall, as zoneinfo places it.
    return wall.replace(tzinfo=tz).astimezone(UTC)
