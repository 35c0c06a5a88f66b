"""Whose calendar a `/calendar/{secret}.ics` link opens, and what it holds.

The secret is an HMAC of the person's identity (their team id and name, or "coordinators" and
their name) under a key derived from the session secret (Settings.calendar_key): nothing is
stored, a link cannot be guessed from a name, and a person taken off the roster (or moved to
another team) has a link that opens nothing. A member of two teams has a link for each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.calendars import CalendarPeriod, override_periods, period_uid, shift_periods
from alerts.on_call import group_label
from alerts.roster import COORDINATORS
from alerts.rotations import turns
from alerts.shifts import Shift
from alerts.sites import Person, Sites

# What a feed holds: the past week (last night's shift is still there in the morning) and the
# next eight weeks.
PAST = timedelta(days=7)
WEEKS = 9
_SECRET_BYTES = 24  # 32 characters of urlsafe base64


@dataclass(frozen=True)
class CalendarOwner:
    """Someone a feed belongs to: a member of team `team_id`, or a coordinator."""

    team_id: str  # or COORDINATORS
    team_name: str
    name: str
    shifts: tuple[Shift, ...] = ()

    @property
    def identity(self) -> str:
        """What the link's secret is made from: the same as long as they hold this place."""
        return f"{self.team_id}\x00{self.name.casefold()}"


def link_secret(key: bytes, owner: CalendarOwner) -> str:
    """The urlsafe secret of `owner`'s link."""
    digest = hmac.new(key, owner.identity.encode(), hashlib.sha256).digest()[:_SECRET_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def owners(sites: Sites) -> Iterator[CalendarOwner]:
    """Everyone with a feed: the coordinators, then every team's members."""
    for coordinator in sites.coordinators:
        yield CalendarOwner(COORDINATORS, "Coordinators", coordinator.name)
    for team in sites.teams:
        for member in team.members:
            yield CalendarOwner(team.id, team.name, member.name, member.shifts)


def owners_of(sites: Sites, person: Person) -> list[CalendarOwner]:
    """The feeds of someone on the roster as Slack knows them (a coordinator's one, or one
    per team a member is on)."""
    if person.is_coordinator:
        return [o for o in owners(sites) if o.team_id == COORDINATORS and o.name == person.name]
    return [o for o in owners(sites)
            if o.team_id in person.team_ids and o.name.casefold() == person.name.casefold()]


def feed_path(key: bytes, owner: CalendarOwner) -> str:
    """The path of `owner`'s feed on this service."""
    return f"/calendar/{link_secret(key, owner)}.ics"


def webcal(url: str) -> str:
    """The webcal:// form of a feed's URL, which phones open as "subscribe"."""
    return "webcal://" + url.split("://", 1)[-1]


def owner_for(sites: Sites, key: bytes, secret: str) -> CalendarOwner | None:
    """Whose link this is; None for a secret no one on the roster has now."""
    found = None
    for owner in owners(sites):
        # Every owner is compared, in constant time: how long it takes says nothing of who.
        if hmac.compare_digest(link_secret(key, owner).encode(), secret.encode()):
            found = owner
    return found


def owner_periods(sites: Sites, owner: CalendarOwner, now: datetime) -> list[CalendarPeriod]:
    """What `owner`'s feed shows at `now`: shifts from a week back for nine weeks, the time
    off and covers not yet over, and their on-call turns."""
    first_day = (now.astimezone(sites.tz) - PAST).date()
    shifts = shift_periods(owner.shifts, owner.identity, owner.team_name, first_day, WEEKS,
                           sites.tz)
    overrides = override_periods(sites.overrides, owner.team_id, owner.name, now, sites.tz)
    return sorted([*shifts, *overrides, *on_call_periods(sites, owner, now)],
                  key=lambda p: p.starts)


def on_call_periods(sites: Sites, owner: CalendarOwner, now: datetime) -> list[CalendarPeriod]:
    """The owner's on-call turns in their group's rotation (the coordinators', or their
    team's supervisors'), covers and time off applied, over the feed's span."""
    rotation = sites.rotations.get(owner.team_id)
    if rotation is None:
        return []
    since = now - PAST
    mine = [t for t in turns(rotation, owner.team_id, sites.overrides, since,
                             since + timedelta(weeks=WEEKS), sites.tz)
            if t.person.casefold() == owner.name.casefold()]
    label = group_label(sites, owner.team_id)
    return [CalendarPeriod(f"On call: {label}" + (f", for {t.covering}" if t.covering else ""),
                           t.starts, t.ends,
                           period_uid(owner.identity, "on-call", t.starts.isoformat()),
                           "Escalations reach you first.") for t in mine]
