"""A person's shifts, time off and covers as an iCalendar feed their phone subscribes to.

Everything is a `CalendarPeriod` (a summary, two aware instants and a stable UID), so that
other kinds of period (a coordinator rotation's on-call turns) join the same feed. Shifts are
weekly wall-clock windows in the city's zone: a 22:00-06:00 shift stays 22:00-06:00 on the
nights the clocks change (an hour longer or shorter in elapsed time). The feed is made with
the icalendar library; times carry the city's TZID with its VTIMEZONE, so that a phone set to
another zone still shows the shift at the city's hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from icalendar import Calendar, Event, vDuration

from alerts.overrides import Override
from alerts.shifts import Shift
from alerts.takedowns import wall_clock

PRODID = "-//NYC Crisis Management System//cmsbot calendar//EN"
# How often a subscribed phone should fetch the feed again (clients may poll less often).
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarPeriod:
    """One event of a feed: `summary` from `starts` to `ends` (aware), under a UID that stays
    the same from one fetch to the next, so that a phone updates the event, never doubles it."""

    summary: str
    starts: datetime
    ends: datetime
    uid: str
    description: str = ""


def period_uid(*parts: str) -> str:
    """A stable UID from what identifies a period (its owner, its kind, its start)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
    return f"{digest}@cmsbot"


def shift_periods(shifts: Sequence[Shift], owner: str, team_name: str, first_day: date,
                  weeks: int, tz: tzinfo) -> list[CalendarPeriod]:
    """Every window of `shifts` that opens on `first_day` or in the `weeks` weeks from it,
    in the city's wall-clock time; `owner` (team id and name) keeps UIDs apart."""
    periods: dict[str, CalendarPeriod] = {}
    for offset in range(weeks * 7):
        day = first_day + timedelta(days=offset)
        for shift in shifts:
            for start in shift.starts:
                if start // 1440 != day.weekday():
                    continue
                opens = datetime.combine(day, time()) + timedelta(minutes=start % 1440)
                closes = opens + timedelta(minutes=shift.length)  # wall clock, not elapsed
                uid = period_uid(owner, "shift", opens.isoformat(), str(shift.length))
                periods[uid] = CalendarPeriod(
                    f"On shift: {team_name}", wall_clock(opens, tz), wall_clock(closes, tz),
                    uid, f"Weekly shift: {shift.text}")
    return sorted(periods.values(), key=lambda p: p.starts)


def override_periods(overrides: Sequence[Override], team_id: str, name: str, after: datetime,
                     tz: tzinfo) -> list[CalendarPeriod]:
    """The person's time off and covers on team `team_id` that have not ended by `after`:
    their own ("Off", "Covering for X") and those of others in their place ("Covered by Y")."""
    wanted = name.casefold()
    periods = []
    for o in overrides:
        if o.team_id != team_id or o.ends <= after:
            continue
        if o.name.casefold() == wanted:
            summary = ("Off" if o.kind == "off" else
                       f"Covering for {o.instead_of}" if o.instead_of else "On call (cover)")
        elif (o.instead_of or "").casefold() == wanted:
            summary = f"Off: covered by {o.name}"
        else:
            continue
        uid = period_uid(team_id, wanted, o.kind, o.name.casefold(), o.starts.isoformat())
        periods.append(CalendarPeriod(summary, o.starts.astimezone(tz), o.ends.astimezone(tz),
                                      uid, "Overrides the weekly shifts while it lasts."))
    return sorted(periods, key=lambda p: p.starts)


def calendar_feed(name: str, periods: Sequence[CalendarPeriod], stamp: datetime) -> bytes:
    """The iCalendar bytes of `name`'s feed ("CMS shifts: NAME"); `stamp` is the DTSTAMP of
    every event (the time the feed is made: the caller's clock)."""
    calendar = Calendar.new(name=f"CMS shifts: {name}", prodid=PRODID,
                            uid=period_uid("calendar", name.casefold()),
                            description=f"{name}'s shifts, time off and covers in the CMS.",
                            refresh_interval=REFRESH)
    # Outlook and older Apple clients read the draft property rather than REFRESH-INTERVAL.
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for period in periods:
        calendar.add_component(Event.new(
            summary=period.summary, start=period.starts, end=period.ends, uid=period.uid,
            stamp=stamp.astimezone(UTC), description=period.description or None))
    if periods:
        # VTIMEZONE rules for whole years around the events: the same bytes all year for the
        # same events, and no rules for decades nobody looks at.
        first = min(p.starts for p in periods).year
        last = max(p.ends for p in periods).year
        calendar.add_missing_timezones(first_date=date(first - 1, 1, 1),
                                       last_date=date(last + 2, 1, 1))
    feed: bytes = calendar.to_ical()
    return feed
