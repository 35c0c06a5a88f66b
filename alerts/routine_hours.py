"""Routine hours: when follow-ups and takedown reminders may reach people.

A live shooting pages at any hour; routine work (a check-in 24 hours on, a day-14 reminder)
waits for the team's routine hours, a daily window in the city's wall-clock time such as
10:00-20:00, and escalates on its own slower policy. Times are computed on local wall-clock
dates through zoneinfo, so 10:00 stays 10:00 across daylight saving changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Literal

RoutineNotify = Literal["supervisor", "coordinators", "team"]
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class RoutineHoursError(ValueError):
    """A routine-hours window that cannot be understood."""


@dataclass(frozen=True)
class RoutineHours:
    """A daily window [start, end) in local time; no overnight windows (start < end)."""

    start: time = time(10, 0)
    end: time = time(20, 0)

    def contains(self, local: datetime) -> bool:
        """Whether the local wall-clock time falls inside the window."""
        clock = local.time().replace(tzinfo=None)
        return self.start <= clock < self.end

    @property
    def text(self) -> str:
        """As the sites file writes it: "10:00-20:00"."""
        end = "24:00" if self.end == time.max else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"


@dataclass(frozen=True)
class RoutineStep:
    """Tell `notify` when a routine item is unanswered: `after` the check-in went out, or, when
    `after` is None, at the first opening of routine hours after the step before it."""

    after: timedelta | None
    notify: RoutineNotify


DEFAULT_ROUTINE_STEPS: tuple[RoutineStep, ...] = (
    RoutineStep(timedelta(hours=2), "supervisor"),
    RoutineStep(None, "coordinators"),
)


def parse_routine_hours(text: object) -> RoutineHours:
    """Parse "10:00-20:00"; RoutineHoursError saying what is wrong."""
    match = _WINDOW.match(" ".join(str(text).split())) if isinstance(text, str) else None
    if not match:
        raise RoutineHoursError(f"{text!r} is not a window; write e.g. '10:00-20:00'")
    hours = (int(match[1]), int(match[2])), (int(match[3]), int(match[4]))
    if any(h > 24 or m > 59 or (h == 24 and m) for h, m in hours):
        raise RoutineHoursError(f"{text!r} has no such time of day")
    (sh, sm), (eh, em) = hours
    if sh == 24:
        raise RoutineHoursError(f"{text!r}: the window starts before 24:00")
    start = time(sh, sm)
    end = time.max if eh == 24 else time(eh, em)
    if start >= end:
        raise RoutineHoursError(f"{text!r}: the window must end after it starts on the same day "
                                "(no overnight windows)")
    return RoutineHours(start, end)


def next_opening(at: datetime, window: RoutineHours, tz: tzinfo) -> datetime:
    """The earliest moment >= `at` inside the window (in UTC); `at` itself when it is inside."""
    local = at.astimezone(tz)
    if window.contains(local):
        return at.astimezone(UTC)
    day = local.date() if local.time().replace(tzinfo=None) < window.start \
        else local.date() + timedelta(days=1)
    return _local(datetime.combine(day, window.start), tz)


def following_opening(at: datetime, window: RoutineHours, tz: tzinfo) -> datetime:
    """The first time the window opens strictly after `at` (the next morning's opening)."""
    local = at.astimezone(tz)
    day = local.date() if local.time().replace(tzinfo=None) < window.start \
        else local.date() + timedelta(days=1)
    return _local(datetime.combine(day, window.start), tz)


def routine_times(first: datetime, steps: Sequence[RoutineStep], window: RoutineHours,
                  tz: tzinfo) -> list[datetime]:
    """When each escalation step of a routine item whose check-in went out at `first` is due.

    A step that would fall outside routine hours moves to the next opening, and no step comes
    before the one ahead of it.
    """
    times: list[datetime] = []
    previous = first.astimezone(UTC)
    for step in steps:
        if step.after is None:
            at = following_opening(previous, window, tz)
        else:
            at = next_opening(max(previous, first.astimezone(UTC) + step.after), window, tz)
        times.append(at)
        previous = at
    return times


def _local(naive: datetime, tz: tzinfo) -> datetime:
    # fold=0 and the round trip through UTC: a start in the spring-forward gap lands just after it.
    return naive.replace(tzinfo=tz).astimezone(UTC)
