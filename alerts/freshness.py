"""Whether an incident pages anyone, judged from when it occurred and when it arrived.

A shooting reported hours late (a feed catching up, a replay of history) is still stored and
routed, so that the record is whole, but paging people for it would send teams to a scene long
cold and teach them to ignore alerts. One dated well ahead of its arrival is a feed's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.incident import IncidentError

PAGE_WITHIN = timedelta(hours=12)  # CMSBOT_PAGE_WITHIN's default
# Feeds' clocks drift, and a time rounded up to the minute is not the future.
FUTURE_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Paging:
    """The decision: page or not, why not ("stale"), and how late the incident arrived."""

    paged: bool
    reason: str | None
    late: timedelta

    def timeline_detail(self) -> str | None:
        """The timeline line of an incident that paged nobody; None when it paged."""
        if self.paged:
            return None
        hours = int(self.late.total_seconds() // 3600)
        return f"not paged: occurred {hours} h before it arrived"


def judge(occurred_at: datetime, arrived_at: datetime, page_within: timedelta,
          force: bool = False) -> Paging:
    """Page when it occurred at most `page_within` before arriving, or when `force`d; raise
    IncidentError when it occurred more than FUTURE_MARGIN after arriving (force or not)."""
    late = arrived_at - occurred_at
    if -late > FUTURE_MARGIN:
        minutes = int(-late.total_seconds() // 60)
        raise IncidentError("occurred_at", f"{occurred_at.isoformat()} is {minutes} min in the "
                            f"future (more than {int(FUTURE_MARGIN.total_seconds() // 60)} min "
                            "ahead of this server's clock)")
    if late > page_within and not force:
        return Paging(False, "stale", late)
    return Paging(True, None, late)


# Takedown reminders, the rehearsal and Slack's /cms new happen now: they always page.
NOW = Paging(True, None, timedelta(0))
