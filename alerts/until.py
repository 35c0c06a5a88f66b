"""When a cover or a time off ends, as people type it: 8am, 08:00, tomorrow 9am, mon 9am, 12h, 3d.

Parsing and resolving are apart: `parse_until(text)` says what was meant (a wall-clock time
on an optional day, or a length of time), `resolve(until, now, tz)` turns it into an aware
datetime that is always after `now`. A clock time with no day is its next occurrence ("8am"
typed at 10pm is tomorrow 8am); "today 8am" once 8am has passed is refused rather than moved.
Wall-clock times are in the city's zone across daylight-saving changes: a time the clocks skip
(2:30am on the spring-forward night) is the instant after the gap, and a time they repeat
(1:30am on the fall-back night) is whichever of the two is next. A length is elapsed time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from alerts.durations import DurationError, format_duration, parse_duration

FORMS = "8am, 08:00, tomorrow 9am, mon 9am, 12h or 3d"
LONGEST = timedelta(days=90)
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm|a|p)?")
_HALF = re.compile(r"(\d)\s+(am|pm)(?![a-z])")
_NAMED = {"noon": (12, 0), "midnight": (0, 0)}
_WEEKDAYS = {"mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
             "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4,
             "friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6}
_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS = {"today": "today", "tonight": "today", "tomorrow": "tomorrow", "tmrw": "tomorrow",
         "tmr": "tomorrow", **{word: _CODES[day] for word, day in _WEEKDAYS.items()}}


class UntilError(ValueError):
    """An end time that cannot be understood, or that is not in the future."""


@dataclass(frozen=True)
class At:
    """A wall-clock time, on a day: None (the next one), "today", "tomorrow" or "mon".."sun"."""

    hour: int
    minute: int = 0
    day: str | None = None

    def as_text(self) -> str:
        """One spelling that parse_until reads back as this At: "tomorrow 09:00"."""
        clock = f"{self.hour:02d}:{self.minute:02d}"
        return f"{self.day} {clock}" if self.day else clock


@dataclass(frozen=True)
class For:
    """A length of time from now."""

    length: timedelta

    def as_text(self) -> str:
        """The length in the sites file's spelling: "12h", "3d"."""
        return format_duration(self.length)


Until = At | For


def parse_until(text: str) -> Until:
    """Understand "8am", "08:00", "tomorrow 9am", "mon 9am", "noon", "12h", "for 3d"."""
    spaced = text.lower().replace("a.m.", "am").replace("p.m.", "pm")
    words = _HALF.sub(r"\1\2", spaced).split()  # "8:30 am" is "8:30am"
    if words[:1] == ["for"]:
        words = words[1:]
    if not words:
        raise UntilError(f"say until when: {FORMS}")
    if len(words) == 1 and not _CLOCK.fullmatch(words[0]) and words[0] not in _NAMED:
        return For(_length(words[0]))
    if len(words) > 2:
        raise UntilError(f"{_quoted(text)} is not a time; write {FORMS}")
    days = [word for word in words if word in _DAYS]
    clocks = [word for word in words if word not in _DAYS]
    if len(clocks) != 1 or len(days) != len(words) - 1:
        raise UntilError(f"{_quoted(text)} is not a time; write {FORMS}")
    hour, minute = _clock(clocks[0], text)
    return At(hour, minute, _DAYS[days[0]] if days else None)


def resolve(until: Until, now: datetime, tz: tzinfo) -> datetime:
    """The instant `until` means, in `tz`, strictly after the aware `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if isinstance(until, For):
        return (now.astimezone(UTC) + until.length).astimezone(tz)  # elapsed, not wall-clock
    local = now.astimezone(tz)
    wanted = time(until.hour, until.minute)
    if until.day in (None, "today", "tomorrow"):
        first = local.date() + timedelta(days=1 if until.day == "tomorrow" else 0)
        dates = [first] if until.day else [first, first + timedelta(days=1)]
    else:
        ahead = (_CODES.index(until.day) - local.weekday()) % 7
        first = local.date() + timedelta(days=ahead)
        dates = [first, first + timedelta(days=7)]
    # Compared in UTC: two datetimes in one zone compare by wall clock, ignoring the fold.
    for day in dates:
        for instant in _instants(day, wanted, tz):
            if instant.astimezone(UTC) > now.astimezone(UTC):
                return instant
    raise UntilError(f"{until.as_text()} has passed; say a time still to come")


def _instants(day: date, wanted: time, tz: tzinfo) -> list[datetime]:
    """The one or two instants a wall-clock time names on a day (two when the clocks go back)."""
    by_utc: dict[datetime, datetime] = {}
    for fold in (0, 1):
        wall = datetime.combine(day, wanted, tzinfo=tz).replace(fold=fold)
        instant = wall.astimezone(UTC).astimezone(tz)
        if (instant.date(), instant.time()) == (day, wanted):
            by_utc[instant.astimezone(UTC)] = instant
    if not by_utc:  # skipped by the clocks: fold 0 reads it with the offset before the gap,
        wall = datetime.combine(day, wanted, tzinfo=tz)  # which lands just after the gap
        return [wall.astimezone(UTC).astimezone(tz)]
    return [by_utc[key] for key in sorted(by_utc)]


def _clock(word: str, text: str) -> tuple[int, int]:
    if word in _NAMED:
        return _NAMED[word]
    match = _CLOCK.fullmatch(word)
    if match is None:
        raise UntilError(f"{_quoted(text)} is not a time; write {FORMS}")
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half is None and match[2] is None:
        raise UntilError(f"{_quoted(text)}: {word} what? write {word}am, {word}pm or {word}h")
    if minute > 59 or hour > (12 if half else 23) or (half and hour == 0):
        raise UntilError(f"{_quoted(text)} is not a time of day")
    if half:
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    return hour, minute


def _length(word: str) -> timedelta:
    try:
        length = parse_duration(word)
    except DurationError:
        raise UntilError(f"{_quoted(word)} is not a time; write {FORMS}") from None
    if length > LONGEST:
        raise UntilError(f"{_quoted(word)} is too long: at most {LONGEST.days}d")
    return length


def _quoted(text: str) -> str:
    short = " ".join(text.split())
    return repr(short[:30] + ("..." if len(short) > 30 else ""))
