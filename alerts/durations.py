"""Durations as people write them in the sites file: 90s, 10m, 24h, 3d, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta

# Twelve digits are plenty, and keep int() and this regex quick on a pasted wall of digits.
_PART = re.compile(r"(\d{1,12})\s*([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LONGEST = timedelta.max // timedelta(seconds=1)


class DurationError(ValueError):
    """A duration that cannot be understood."""


def parse_duration(text: object) -> timedelta:
    """Parse "10m", "24h", "1h30m" (or a bare number of minutes) into a positive timedelta."""
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return _delta(text * 60, text)
    if not isinstance(text, str):
        raise DurationError(f"{text!r} is not a duration; write e.g. 10m, 24h or 3d")
    compact = "".join(text.lower().split())
    parts = _PART.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        raise DurationError(f"{text!r} is not a duration; write e.g. 10m, 24h or 3d")
    seconds = sum(int(number) * _UNIT[unit] for number, unit in parts)
    if seconds <= 0:
        raise DurationError(f"{text!r} must be longer than zero")
    return _delta(seconds, text)


def _delta(seconds: int, text: object) -> timedelta:
    if seconds > _LONGEST:
        raise DurationError(f"{text!r} is too long; write e.g. 10m, 24h or 3d")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest sites-file spelling of a duration: 600 s -> "10m"."""
    seconds = int(delta.total_seconds())
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out) or "0s"
