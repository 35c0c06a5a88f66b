"""Who of the roster is on call: the rotations (alerts.rotations) read against the people.

A rotation names people; the roster (in the database) says who they are and how to reach them.
A turn that falls to a name the roster no longer has, or to someone with no phone, finds nobody:
the callers then reach the whole group, so a stale rotation never leaves an escalation unheard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TypeVar

from alerts.overrides import current
from alerts.roster import COORDINATORS
from alerts.rotations import Turn, on_call, on_call_next
from alerts.sites import Coordinator, Member, Sites, Team

P = TypeVar("P", bound=Member | Coordinator)
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class OnCall:
    """A group's turn now and the next one, as `/cms oncall` shows them."""

    group: str
    now: Turn
    next: Turn
    rotation: str  # how it runs: "weekly, handoff mon 09:00"


def coordinator_on_call(sites: Sites, at: datetime) -> Coordinator | None:
    """The coordinator whose turn it is, if the coordinators rotate and the roster has them."""
    turn = turn_of(sites, COORDINATORS, at)
    found = _named(sites.coordinators, turn.person) if turn is not None else None
    return found if found is not None and found.phone else None


def supervisor_on_call(team: Team, sites: Sites, at: datetime) -> Member | None:
    """The team's supervisor whose turn it is, if its supervisors rotate."""
    turn = turn_of(sites, team.id, at)
    return _named(team.members, turn.person) if turn is not None else None


def group_people(sites: Sites, group: str) -> Sequence[Member | Coordinator]:
    """Who a rotation's names are looked up among: the team's members, or the coordinators."""
    team = sites.find_team(group)
    return team.members if team is not None else sites.coordinators


def _named(people: Sequence[P], name: str) -> P | None:
    return next((p for p in people if p.name.casefold() == name.casefold()), None)


def turn_of(sites: Sites, group: str, at: datetime) -> Turn | None:
    """The group's turn at `at` (covers and time off applied); None if it does not rotate."""
    rotation = sites.rotations.get(group)
    if rotation is None:
        return None
    return on_call(rotation, group, sites.overrides, at, sites.tz)


def on_call_now(sites: Sites, group: str, at: datetime) -> OnCall | None:
    """The group's turn now and next; None if it does not rotate."""
    rotation = sites.rotations.get(group)
    if rotation is None:
        return None
    return OnCall(group, on_call(rotation, group, sites.overrides, at, sites.tz),
                  on_call_next(rotation, group, sites.overrides, at, sites.tz),
                  rotation.describe())


def handoff_due(sites: Sites, group: str, at: datetime, within: timedelta) -> Turn | None:
    """The turn of whoever came on call in the `within` before `at`, if someone did, from
    when they came on: at a handoff, or when a cover or time off began or ended."""
    turn = turn_of(sites, group, at)
    if turn is None:
        return None
    edges = {turn.starts, *(t for o in sites.overrides if o.team_id == group
                            for t in (o.starts, o.ends) if turn.starts < t <= at)}
    began = max((t for t in edges if _came_on(sites, group, t, turn.person)), default=None)
    if began is None or not at - within < began <= at:
        return None
    return replace(turn, starts=began)


def _came_on(sites: Sites, group: str, at: datetime, person: str) -> bool:
    # Whether `person` is on call at `at` and was not just before it.
    now, before = turn_of(sites, group, at), turn_of(sites, group, at - _INSTANT)
    return now is not None and before is not None and now.person == person != before.person


def handoff_sms(turn: Turn, group_label: str, tz: tzinfo) -> str:
    """The incoming person's text: what they are on call for, until when, for whom."""
    instead = f", covering for {turn.covering}" if turn.covering else ""
    return (f"CMS: you are now on call for {group_label} until {_when(turn.ends, tz)}"
            f"{instead}. Escalations reach you first. /cms oncall shows the rota.")


def group_label(sites: Sites, group: str) -> str:
    """"the coordinators" or the team's name, as texts say it."""
    team = sites.find_team(group)
    return f"{team.name} (supervisor)" if team is not None else "the coordinators"


def group_phone(sites: Sites, group: str, name: str) -> str | None:
    """The phone of `name` in the group's roster (None: not there, or no phone)."""
    found = _named(group_people(sites, group), name)
    return found.phone if found is not None and found.phone else None


def on_call_lines(sites: Sites, team_id: str | None, at: datetime) -> list[str]:
    """What `/cms oncall` shows above the people on shift: the rotations' turns now and next,
    then the covers and time off holding (of one team, or all with the coordinators')."""
    return turn_lines(sites, team_id, at) + override_lines(sites, team_id, at)


def turn_lines(sites: Sites, team_id: str | None, at: datetime) -> list[str]:
    """Each rotation's turn now and next (the coordinators', and the team's or every team's)."""
    groups = [g for g in (COORDINATORS, *(t.id for t in sites.teams))
              if g in sites.rotations and (team_id is None or g in (team_id, COORDINATORS))]
    lines = []
    for group in groups:
        shown = on_call_now(sites, group, at)
        assert shown is not None
        now, later = shown.now, shown.next
        instead = f", covering for {now.covering}" if now.covering else ""
        label = group_label(sites, group)
        lines.append(f"{label[:1].upper()}{label[1:]} on call: {now.person} until "
                     f"{_when(now.ends, sites.tz)}{instead}; next {later.person} "
                     f"({shown.rotation})")
    return lines


def override_lines(sites: Sites, team_id: str | None, at: datetime) -> list[str]:
    """The covers and time off holding at `at`, earliest end first."""
    lines = []
    for override in current(sites.overrides, team_id, at):
        what = "off" if override.kind == "off" else (
            f"on in place of {override.instead_of}" if override.instead_of else "on")
        lines.append(f"{override.name} {what} ({override.team_id}) until "
                     f"{_when(override.ends, sites.tz)}")
    return lines


def _when(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a %b} {local.day} {local:%H:%M}"
