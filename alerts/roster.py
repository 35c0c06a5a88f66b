"""The people of the network, apart from the places: who is on which team, and how each
changed. The database keeps the roster (seeded from the sites file); `staffed` puts it into
the sites that routing reads, so that every process routes with one whole roster at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from alerts.contacts import DEFAULT_CONTACT, SMS_ONLY
from alerts.sites import Coordinator, Member, Sites

Action = Literal["add", "remove", "change"]
# The key a coordinator's row is kept under, where a member's is kept under their team's id.
COORDINATORS = "coordinators"
Record = dict[str, object]


@dataclass(frozen=True)
class Roster:
    """Each team's members by team id, in order, and the coordinators."""

    teams: Mapping[str, tuple[Member, ...]]
    coordinators: tuple[Coordinator, ...]

    def member(self, team_id: str, name: str) -> Member | None:
        """The member of this team with this name (any case); None if there is none."""
        wanted = name.casefold()
        return next((m for m in self.teams.get(team_id, ()) if m.name.casefold() == wanted), None)


@dataclass(frozen=True)
class RosterChange:
    """One person added, removed or changed; `before` and `after` are their records."""

    action: Action
    team_id: str  # COORDINATORS for a coordinator
    name: str
    before: Record | None
    after: Record | None

    def describe(self) -> str:
        """One line for a person to read: `change man-up-eny/Luis: phone ***0142 -> ***0199`."""
        if self.action != "change" or self.before is None or self.after is None:
            return f"{self.action} {self.team_id}/{self.name}"
        fields = [key for key in self.after if self.before.get(key) != self.after.get(key)]
        return f"change {self.team_id}/{self.name}: " + ", ".join(fields)


def consent_request(team_name: str) -> str:
    """What a new or changed number is asked before it receives an alert's details."""
    return f"Reply YES to receive CMS alerts from {team_name}."


def unverified_alert(team_name: str) -> str:
    """The alert a number that has not said YES gets: nothing a stranger should read."""
    return f"CMS alert for {team_name}: call your supervisor. {consent_request(team_name)}"


def is_unverified(sites: Sites, team_id: str | None, phone: str) -> bool:
    """Whether this phone, paged for this team, has not yet answered YES."""
    team = sites.find_team(team_id)
    return team is not None and any(m.phone == phone and not m.verified for m in team.members)


def roster_of(sites: Sites) -> Roster:
    """The roster the sites hold now."""
    return Roster({team.id: team.members for team in sites.teams}, sites.coordinators)


def staffed(sites: Sites, roster: Roster) -> Sites:
    """The sites with this roster's people: teams the roster does not name have nobody.

    A number that has not said YES is never called: a call would read out the alert.
    """
    teams = tuple(replace(team, members=tuple(
        m if m.verified else replace(m, contact=SMS_ONLY) for m in roster.teams.get(team.id, ())))
        for team in sites.teams)
    return replace(sites, teams=teams, coordinators=roster.coordinators)


def member_record(member: Member) -> Record:
    """A member as the sites file writes them (defaults left out, as a person would)."""
    record: Record = {"name": member.name, "phone": member.phone, "role": member.role}
    if member.languages != ("en",):
        record["languages"] = list(member.languages)
    if member.shifts:
        record["shifts"] = [shift.text for shift in member.shifts]
    if member.slack_user:
        record["slack_user"] = member.slack_user
    if member.contact != DEFAULT_CONTACT:
        record["contact"] = list(member.contact)
    return record


def coordinator_record(coordinator: Coordinator) -> Record:
    """A coordinator as the sites file writes them."""
    record: Record = {"name": coordinator.name}
    if coordinator.phone:
        record["phone"] = coordinator.phone
    if coordinator.slack_user:
        record["slack_user"] = coordinator.slack_user
    return record


def roster_changes(old: Roster, new: Roster) -> list[RosterChange]:
    """What turns `old` into `new`: people by (team, name), in `new`'s order, removals last."""
    changes: list[RosterChange] = []
    for team_id in dict.fromkeys([*old.teams, *new.teams]):
        changes += _changes(team_id, _records(old.teams.get(team_id, ())),
                            _records(new.teams.get(team_id, ())))
    changes += _changes(COORDINATORS, {c.name.casefold(): coordinator_record(c)
                                       for c in old.coordinators},
                        {c.name.casefold(): coordinator_record(c) for c in new.coordinators})
    return sorted(changes, key=lambda change: change.action == "remove")


def export_data(roster: Roster) -> Record:
    """The roster as sites-file YAML data: `coordinators:` and each team's `id` and `members`."""
    return {"coordinators": [coordinator_record(c) for c in roster.coordinators],
            "teams": [{"id": team_id, "members": [member_record(m) for m in members]}
                      for team_id, members in roster.teams.items()]}


def _records(members: tuple[Member, ...]) -> dict[str, Record]:
    return {member.name.casefold(): member_record(member) for member in members}


def _changes(team_id: str, old: dict[str, Record], new: dict[str, Record]) -> list[RosterChange]:
    changes = [RosterChange("add", team_id, str(record["name"]), None, record)
               for key, record in new.items() if key not in old]
    changes += [RosterChange("change", team_id, str(record["name"]), old[key], record)
                for key, record in new.items() if key in old and old[key] != record]
    changes += [RosterChange("remove", team_id, str(record["name"]), record, None)
                for key, record in old.items() if key not in new]
    return changes
