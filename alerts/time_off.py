"""Staff texts about their own availability: YES, OFF [until ...], ON; and the next shift.

    YES                      consent to texts on a newly added or changed phone number
    OFF                      off until my next shift (the service finds it: until_next_shift)
    OFF until 8am            off until a time: 8am, 08:00, tomorrow 9am, mon 9am, noon
    OFF 12h | OFF for 3d     off for a length of time
    ON                       back on

Case, spacing and trailing punctuation are free. None of these words is a reply code of
alerts.replies (whose letters are A S N C K X, and whose words parse_reply lists), so a text is
offered here first and, on None, to parse_reply. An OFF followed by what begins a time
("until", "for", a number) that is not one is refused with the forms; "off to the scene" is
words, left to parse_reply. ON counts only as the whole text: "on my way" is a staff
member's words for parse_reply (and their supervisor), never a change of availability. YES
counts only as the whole text, so a "yes" that says more is never taken for consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from alerts.replies import Refused
from alerts.shifts import Shift
from alerts.until import FORMS, UntilError, parse_until, resolve

USAGE = "Text OFF (until your next shift), OFF until 8am, OFF 12h or OFF 3d; ON when back."
_UNTIL_WORDS = ("until", "till", "til", "untill")
_WEEK = 7 * 24 * 60
_TIME_WORDS = frozenset({*_UNTIL_WORDS, "for", "today", "tonight", "tomorrow", "tmrw", "noon",
                         "midnight", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday",
                         "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


@dataclass(frozen=True)
class TimeOff:
    """Off alerts until `until` (None: until the member's next shift starts)."""

    until: datetime | None = None


@dataclass(frozen=True)
class On:
    """Back on alerts."""


@dataclass(frozen=True)
class Consent:
    """YES: the member agrees to texts on this number."""


def parse_time_off(text: str, now: datetime, tz: tzinfo) -> TimeOff | On | Consent | Refused | None:
    """YES, OFF [until TIME | LENGTH] or ON, with times resolved after `now` in `tz`; None when
    the text is none of these (it is then for parse_reply)."""
    cleaned = " ".join(text.replace("\u00a0", " ").split()).rstrip(".!? ")
    word, _, rest = cleaned.partition(" ")
    word = word.upper() if word.isascii() else word  # "\u017f" must not upper into an S
    if word == "YES":
        return Consent() if not rest else None
    if word == "ON":
        return On() if not rest else None
    if word != "OFF":
        return None
    if not rest:
        return TimeOff()
    first, _, after = rest.partition(" ")
    spec = after if first.lower() in _UNTIL_WORDS else rest
    try:
        return TimeOff(resolve(parse_until(spec), now, tz))
    except UntilError as exc:
        if not _meant_as_time(first):  # "off to the scene": words for parse_reply and the supervisor
            return None
        reason = str(exc).replace(FORMS, "8am, tomorrow 9am, 12h or 3d")
        return Refused(f"{reason[0].upper()}{reason[1:]}. {USAGE}")


def _meant_as_time(first: str) -> bool:
    """Whether the word after OFF begins an end time ("until", "for", "tomorrow", "8am")."""
    return first.lower() in _TIME_WORDS or first[:1].isdigit()


def until_next_shift(shifts: tuple[Shift, ...], now_local: datetime) -> datetime | None:
    """When the next shift window opens after `now_local` (aware, in the city's zone): a window
    open now counts from its next opening. None when the member has no shifts."""
    if not shifts:
        return None
    minute = now_local.weekday() * 1440 + now_local.hour * 60 + now_local.minute
    wait = min((start - minute) % _WEEK or _WEEK for shift in shifts for start in shift.starts)
    # Shifts are wall-clock times: add on the wall clock, then let the zone place the instant.
    wall = now_local.replace(tzinfo=None, second=0, microsecond=0, fold=0) + timedelta(minutes=wait)
    if now_local.tzinfo is None:
        return wall
    return wall.replace(tzinfo=now_local.tzinfo).astimezone(UTC).astimezone(now_local.tzinfo)
