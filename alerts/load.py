"""When a web process counts as overloaded, and the recent readings that rule looks at.

A process is overloaded while, within the last `WINDOW`, its event loop ran more than
`LAG_LIMIT` late (every request waits that long before it is even looked at) or it turned a
request away for want of room. `/readyz` then answers 503 so that a load balancer sends new
work elsewhere until the window has passed quietly.

Callers pass the time: nothing here reads a clock.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

LAG_LIMIT = 1.0  # seconds
WINDOW = timedelta(seconds=5)


def overloaded(worst_lag: float, shed_recently: bool) -> bool:
    """The readiness rule: loop lag over `LAG_LIMIT`, or a request shed, within the window."""
    return worst_lag > LAG_LIMIT or shed_recently


class RecentPeak:
    """The largest value recorded within `window` before a given time.

    Values are kept per whole second, so a reading is remembered for at least `window` and
    less than a second longer, and memory stays a handful of numbers however often readings
    come (ten a second from the lag monitor).
    """

    __slots__ = ("_buckets", "_window")

    def __init__(self, window: timedelta = WINDOW) -> None:
        self._window = window.total_seconds()
        self._buckets: dict[int, float] = {}

    def record(self, at: datetime, value: float) -> None:
        """Remember `value` as read at `at`."""
        # Pruned on every reading: a clock set back leaves seconds "in the future", and those
        # go rather than keeping the process overloaded for as long as the clock went back.
        self._buckets = {second: peak for second, peak in self._buckets.items()
                         if self._within(second, at)}
        second = math.floor(at.timestamp())
        self._buckets[second] = max(value, self._buckets.get(second, value))

    def peak(self, at: datetime) -> float:
        """The largest value read within the window before `at`; 0 when there is none."""
        return max((peak for second, peak in self._buckets.items() if self._within(second, at)),
                   default=0.0)

    def _within(self, second: int, at: datetime) -> bool:
        now = at.timestamp()
        return second <= now and second + 1 > now - self._window
