"""Weekly shift windows in the city's wall-clock time, e.g. "mon-fri 18:00-02:00"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60
_SHIFT = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*|daily)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


class ShiftError(ValueError):
    """A shift that cannot be understood."""


@dataclass(frozen=True)
class Shift:
    """Minutes from Monday 00:00 local time when a window opens, and its length in minutes."""

    starts: tuple[int, ...]
    length: int
    text: str

    def covers(self, local: datetime) -> bool:
        """True when the wall-clock time `local` (already in the city's zone) is inside a window."""
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        # A window that started late on Sunday runs into Monday: compare modulo a week.
        return any((minute - start) % _WEEK < self.length for start in self.starts)


def parse_shift(text: str) -> Shift:
    """Parse "mon-fri 18:00-02:00", "sat,sun 10:00-22:00" or "daily 00:00-24:00"."""
    match = _SHIFT.match(" ".join(text.lower().split()))
    if not match:
        raise ShiftError(f"{text!r} is not a shift; write e.g. 'mon-fri 18:00-02:00'")
    start, end = _minutes(match["start"]), _minutes(match["end"])
    if start >= 1440:
        raise ShiftError(f"{text!r}: a shift starts before 24:00")
    length = (end - start) % 1440 or 1440  # 18:00-02:00 is 8 hours; 00:00-24:00 a whole day
    days = _days(match["days"], text)
    return Shift(tuple(day * 1440 + start for day in days), length, text)


def on_shift(shifts: tuple[Shift, ...], local: datetime) -> bool:
    """A member with no shifts is always on; otherwise any window must cover `local`."""
    return not shifts or any(shift.covers(local) for shift in shifts)


def _minutes(clock: str) -> int:
    hours, minutes = (int(part) for part in clock.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ShiftError(f"{clock!r} is not a time of day")
    return hours * 60 + minutes


def _days(spec: str, text: str) -> list[int]:
    if spec == "daily":
        return list(range(7))
    days: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ShiftError(f"{text!r}: days are written mon, tue, wed, thu, fri, sat, sun")
        start, stop = DAYS.index(first), DAYS.index(last or first)
        span = (stop - start) % 7  # fri-mon wraps over the weekend
        days.extend((start + offset) % 7 for offset in range(span + 1))
    return sorted(set(days))
