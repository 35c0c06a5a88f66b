"""The watchdog's judgement: what is wrong with the alert path, and what the coordinators read.

A stuck or dead worker silences everything, and nothing inside the queue can say so: the
watchdog runs outside it, looks at Redis (are workers alive?) and the database (has a staff
alert waited too long unsent?), and passes what it saw here. No clock reads: `now` is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

# A worker outage (none alive, Redis unreachable, the database unreadable) must last this
# long before it pages: a deploy restarts workers within seconds. Unsent alerts page at once:
# they have already waited the threshold.
PERSISTENT = ("workers", "redis", "database")
# Staff alert deliveries that must not wait: an alert, its escalation, its call, an SOS.
STAFF_ALERT_KINDS = ("alert", "escalation", "repage", "sos")


@dataclass(frozen=True)
class Sighting:
    """One look at the alert path. None: that part could not be read."""

    workers: int | None
    unsent: int | None  # staff alerts waiting unsent past the threshold


def problems(seen: Sighting, threshold: timedelta) -> dict[str, str]:
    """What is wrong, by kind ("workers", "redis", "database", "unsent"), in words."""
    found: dict[str, str] = {}
    if seen.workers is None:
        found["redis"] = "Redis cannot be reached, so no worker can run"
    elif seen.workers == 0:
        found["workers"] = "no rq worker is alive"
    if seen.unsent is None:
        found["database"] = "the database cannot be read"
    elif seen.unsent:
        found["unsent"] = (f"{seen.unsent} staff alert{'s' if seen.unsent != 1 else ''} "
                           f"waiting unsent over {_spoken(threshold)}")
    return found


def lasting(found: Mapping[str, str], first_seen: Mapping[str, datetime], now: datetime,
            threshold: timedelta) -> list[str]:
    """The problems that count now: unsent alerts at once, the others once they have lasted
    `threshold` (`first_seen`: when each was first seen in the current run of sightings)."""
    return [words for kind, words in found.items()
            if kind not in PERSISTENT or now - first_seen.get(kind, now) >= threshold]


def down_text(found: Sequence[str], since: datetime, tz: tzinfo) -> str:
    """The page when the alert path fails."""
    return (f"CMS WATCHDOG: alerts may not be going out since {_when(since, tz)}: "
            f"{'; '.join(found)}. Check the cmsbot workers.")


def up_text(since: datetime, now: datetime, tz: tzinfo) -> str:
    """The page when it works again."""
    return (f"CMS WATCHDOG: recovered at {_when(now, tz)}: workers are running and alerts are "
            f"going out (down {_spoken(now - since)}).")


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M")


def _spoken(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes} min"
