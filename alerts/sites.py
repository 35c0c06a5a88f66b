"""The network as the sites file describes it: teams, members, coordinators and catchments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from functools import cached_property
from typing import Literal

from shapely.geometry.base import BaseGeometry

from alerts.contacts import DEFAULT_CONTACT, SMS_ONLY, Contact
from alerts.feeds import FeedSource
from alerts.geofence import GeofenceIndex
from alerts.incident_types import BUILTIN_TYPES
from alerts.overrides import Override
from alerts.playbooks import PlaybookStep
from alerts.rotations import Rotation
from alerts.routine_hours import DEFAULT_ROUTINE_STEPS, RoutineHours, RoutineStep
from alerts.shifts import Shift
from alerts.zones import Zone

Role = Literal["interrupter", "outreach", "hospital", "supervisor"]
ROLES: tuple[Role, ...] = ("interrupter", "outreach", "hospital", "supervisor")
Notify = Literal["supervisor", "coordinators", "team"]
DEFAULT_REST_AFTER_FATAL = timedelta(hours=12)


@dataclass(frozen=True)
class Member:
    """A team member reachable by SMS on the staff number."""

    name: str
    phone: str
    role: Role
    languages: tuple[str, ...] = ("en",)
    shifts: tuple[Shift, ...] = ()
    slack_user: str | None = None
    # How they are reached, in order: a call repages an alert they have not acknowledged.
    contact: tuple[Contact, ...] = DEFAULT_CONTACT
    # False until the phone answered YES to the consent text: a typo never gets an alert's
    # details (alerts.roster). The sites file's own numbers were paged before and count as yes.
    verified: bool = True


@dataclass(frozen=True)
class Coordinator:
    """An OPGV coordinator: sees everything, gets what no team catches."""

    name: str
    phone: str | None
    slack_user: str | None = None


@dataclass(frozen=True)
class EscalationStep:
    """Who is told when an alert is still unacknowledged `after` it went out."""

    after: timedelta
    notify: Notify
    via: tuple[Contact, ...] = SMS_ONLY


@dataclass(frozen=True)
class Escalation:
    """A team's escalation policy, snapshotted onto each incident when it is routed."""

    required_acks: int = 1
    steps: tuple[EscalationStep, ...] = (
        EscalationStep(timedelta(minutes=10), "supervisor"),
        EscalationStep(timedelta(minutes=20), "coordinators"),
    )


@dataclass(frozen=True)
class Team:
    """A community violence-intervention team and its catchment."""

    id: str
    name: str
    members: tuple[Member, ...]
    geofences: tuple[str, ...]
    slack_channel: str | None = None
    buffer_m: float = 0.0
    hospitals: tuple[str, ...] = ()
    escalation: Escalation = field(default_factory=Escalation)
    followups: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=72))
    # Follow-ups and takedown reminders are routine: sent and escalated only in these hours.
    routine_hours: RoutineHours = field(default_factory=RoutineHours)
    routine_escalation: tuple[RoutineStep, ...] = DEFAULT_ROUTINE_STEPS
    safety_checkout: timedelta = timedelta(minutes=90)
    # After a safety timer runs out (the supervisor told), the coordinators are told this later.
    checkout_escalation: timedelta = timedelta(minutes=15)
    # A live alert not acknowledged this long after it went out calls those who list voice.
    repage_after: timedelta | None = timedelta(minutes=3)
    # Automatic area notices to residents after a verified shooting: off unless asked for.
    resident_notices: bool = False
    resident_delay: timedelta = timedelta(minutes=30)
    resources: tuple[str, ...] = ()
    # The incident types the team is paged for; None takes every type.
    types: tuple[str, ...] | None = None
    # A member on scene at a fatal shooting is not paged this long after, unless nobody else
    # on the team would be (alerts.rest).
    rest_after_fatal: timedelta = DEFAULT_REST_AFTER_FATAL

    def takes(self, incident_type: str) -> bool:
        """Whether the team is paged for incidents of this type."""
        return self.types is None or incident_type in self.types

    @property
    def supervisors(self) -> tuple[Member, ...]:
        """Members with the supervisor role."""
        return tuple(member for member in self.members if member.role == "supervisor")


@dataclass(frozen=True)
class Person:
    """Someone on the roster, as they appear in Slack: a coordinator or a team member."""

    name: str
    phone: str | None
    role: str
    team_ids: tuple[str, ...]
    slack_user: str

    @property
    def is_coordinator(self) -> bool:
        """Coordinators see and may act on everything."""
        return self.role == "coordinator"

    @property
    def key(self) -> str:
        """Who they are on an incident's pages: their phone, or their Slack id if they have none."""
        return self.phone or f"slack:{self.slack_user}"


@dataclass(frozen=True)
class Sites:
    """Everything routing needs, with the geofence index already built."""

    teams: tuple[Team, ...]
    coordinators: tuple[Coordinator, ...]
    index: GeofenceIndex
    precinct_teams: Mapping[int, tuple[str, ...]]
    tz: tzinfo
    coordinators_channel: str | None = None
    layers: tuple[str, ...] = ()
    playbooks: Mapping[str, tuple[PlaybookStep, ...]] = field(default_factory=dict)
    # Areas residents can join (the zip and nta layers), and every shape by id in the metre
    # plane: "zip:11207", "nta:BK82", "precinct:75", "team:man-up-eny".
    zones: tuple[Zone, ...] = ()
    shapes: Mapping[str, BaseGeometry] = field(default_factory=dict)
    # The types an incident may have: the built-in three and any the sites file adds.
    incident_types: tuple[str, ...] = BUILTIN_TYPES
    # The incident sources that must be heard from, by name (alerts.feeds).
    sources: Mapping[str, FeedSource] = field(default_factory=dict)
    # Time off and covers not yet ended (alerts.overrides); routing checks each one's times.
    overrides: tuple[Override, ...] = ()
    # On-call rotations by group: "coordinators" or a team id, for its supervisors.
    rotations: Mapping[str, Rotation] = field(default_factory=dict)

    def find_team(self, team_id: str | None) -> Team | None:
        """The team with this id; None if there is none (or no id was given)."""
        return self._teams_by_id.get(team_id) if team_id is not None else None

    def team(self, team_id: str) -> Team:
        """The team with this id; KeyError if there is none."""
        found = self.find_team(team_id)
        if found is None:
            raise KeyError(team_id)
        return found

    @cached_property
    def hospitals(self) -> tuple[str, ...]:
        """Every hospital a team serves: names a resident must never read."""
        return tuple(dict.fromkeys(h for team in self.teams for h in team.hospitals))

    @cached_property
    def _teams_by_id(self) -> Mapping[str, Team]:
        return {team.id: team for team in self.teams}

    def person_for_slack(self, user_id: str) -> Person | None:
        """The coordinator or member with this Slack user id (coordinators first)."""
        for coordinator in self.coordinators:
            if coordinator.slack_user == user_id:
                return Person(coordinator.name, coordinator.phone, "coordinator", (), user_id)
        found = [(team, m) for team in self.teams for m in team.members if m.slack_user == user_id]
        if not found:
            return None
        member = found[0][1]
        return Person(member.name, member.phone, member.role, tuple(team.id for team, _ in found),
                      user_id)

    def teams_of_phone(self, phone: str) -> tuple[Team, ...]:
        """The teams a phone number belongs to (a supervisor may serve several)."""
        return tuple(team for team in self.teams if any(m.phone == phone for m in team.members))

    def is_staff(self, phone: str) -> bool:
        """Whether a phone number is a team member's or a coordinator's."""
        return bool(self.teams_of_phone(phone)) or any(c.phone == phone for c in self.coordinators)
