"""`/cms member ...`, `/cms cover` and `/cms roster TEAM changes`: the roster changed from
Slack, by supervisors for their own team and coordinators for all, every change audited; and
`/cms calendar`, anyone's own feed link."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from alerts.calendar_links import feed_path, owners_of, webcal
from alerts.overrides import Override
from alerts.phone import redact
from alerts.roster import COORDINATORS, RosterChange, member_record
from alerts.roster_commands import (
    CalendarRequest,
    Cover,
    MemberAdd,
    MemberPhone,
    MemberRemove,
    MemberRole,
    MemberShifts,
    RosterChanges,
    RosterCommand,
)
from alerts.sites import Member, Person, Team
from alerts.slack_blocks import escape
from alerts.until import UntilError, resolve
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.services.roster_edits import apply_roster_changes
from bot.store import roster as store

Edit = MemberPhone | MemberRole | MemberShifts
DONE = "Done: "  # how every answer that changed the roster begins (the dashboard reads it)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RosterDesk(UseCase):
    """Roster changes typed in Slack, and each person's own calendar link."""

    public_url: str = "http://localhost:8080"
    calendar_key: Callable[[], bytes] | None = None

    async def run(self, person: Person, command: RosterCommand) -> str:
        """The answer to one roster command from `person`."""
        sites, now = self.sites, self.clock()
        if isinstance(command, CalendarRequest):
            return self._calendar(person)
        if isinstance(command, Cover) and command.team_id == COORDINATORS:
            return await self._hand_over(person, command)
        if isinstance(command, (MemberAdd, MemberRemove, Cover, RosterChanges)):
            team = sites.find_team(command.team_id)
            if team is None:
                return f"No team `{command.team_id}`. Teams: " + \
                    ", ".join(t.id for t in sites.teams)
        else:
            found = self._find(person, command)
            if isinstance(found, str):
                return found
            team = found
        if not may_change(person, team.id):
            return f"Only coordinators and {team.name}'s supervisors can change its roster."
        if isinstance(command, RosterChanges):
            async with self.engine.connect() as conn:
                logged = await store.change_log(conn, team.id, limit=20)
            return f"*Changes to {team.name}*\n" + ("\n".join(
                f"• {e.at.astimezone(sites.tz):%b %d %H:%M} {e.actor}: {e.change.describe()}"
                for e in logged) or "none yet")
        if isinstance(command, Cover):
            return await self._cover(person, team, command)
        change = self._change(team, command)
        if isinstance(change, str):
            return change
        async with self.engine.begin() as conn:
            sends = await apply_roster_changes(conn, sites, [change], person.name, now)
        await self._taken_up()
        await hand_off(self.redis, Work(sends=sends), now)
        asked = " They are texted to reply YES; until then alerts reach them without " \
            "details." if sends else ""
        return f"{DONE}{change.describe()} (by {person.name}).{asked}"

    def _calendar(self, person: Person) -> str:
        found = owners_of(self.sites, person)
        if self.calendar_key is None or not found:
            return "Calendar feeds are not switched on here."
        key = self.calendar_key()
        urls = [(o, self.public_url + feed_path(key, o)) for o in found]
        log.info("calendar link given to %s", person.name)
        lines = [f"• {escape(o.team_name)}: <{url}>" if len(urls) > 1 else f"<{url}>"
                 for o, url in urls]
        return ("*Your CMS calendar* (shifts, time off and covers; for you only, don't forward "
                "it):\n" + "\n".join(lines) + "\nOn a phone, open `" + webcal(urls[0][1])
                + "` to subscribe (iPhone), or add the link in Google Calendar (Other calendars, "
                "From URL); it refreshes about hourly.")

    def _find(self, person: Person, command: Edit) -> Team | str:
        teams = [t for t in self.sites.teams if command.team_id in (None, t.id)
                 and any(m.name.casefold() == command.name.casefold() for m in t.members)]
        if not teams:
            return f"Nobody called {command.name!r}" + (f" in `{command.team_id}`."
                                                         if command.team_id else ".")
        if len(teams) > 1:
            return (f"{command.name!r} is in " + ", ".join(t.id for t in teams)
                    + ": name the team first.")
        return teams[0]

    def _change(self, team: Team, command: RosterCommand) -> RosterChange | str:
        member = next((m for m in team.members
                       if m.name.casefold() == getattr(command, "name", "").casefold()), None)
        if isinstance(command, MemberAdd):
            if member is not None:
                return f"{member.name} is already on {team.name}."
            new = member_record(Member(command.name, command.phone, command.role))
            return RosterChange("add", team.id, command.name, None, new)
        if member is None:
            return f"Nobody called {getattr(command, 'name', '')!r} in `{team.id}`."
        before = member_record(member)
        if isinstance(command, MemberRemove):
            return RosterChange("remove", team.id, member.name, before, None)
        if isinstance(command, MemberPhone):
            if any(m.phone == command.phone and m is not member for m in team.members):
                return f"{redact(command.phone)} is already another member's number."
            changed = replace(member, phone=command.phone)
        elif isinstance(command, MemberRole):
            changed = replace(member, role=command.role)
        elif isinstance(command, MemberShifts):
            changed = replace(member, shifts=command.shifts)
        else:
            return "That command does not change a member."
        return RosterChange("change", team.id, member.name, before, member_record(changed))

    async def _cover(self, person: Person, team: Team, command: Cover) -> str:
        now = self.clock()
        who = named(team, command.name)
        other = named(team, command.other) if command.other else None
        if who is None or (command.other and other is None):
            missing = command.name if who is None else command.other
            return f"Nobody called {missing!r} in `{team.id}`: add them first."
        try:
            ends = resolve(command.until, now, self.sites.tz)
        except UntilError as exc:  # "until today 8am" once 8am has passed
            return f"{str(exc)[0].upper()}{str(exc)[1:]}."
        async with self.engine.begin() as conn:
            await store.add_override(conn, Override(team.id, who, "cover", now, ends, other),
                                     person.name, now)
        await self._taken_up()
        local = ends.astimezone(self.sites.tz)
        instead = f" in place of {other}" if other else ""
        return f"{DONE}{who} is on for {team.name}{instead} until {local:%a %b %d %H:%M}."


    async def _taken_up(self) -> None:
        # This process follows the change at once (the others within a second): the next
        # command typed here, `/cms oncall` say, already sees it.
        await self.live.refresh(self.engine)

    async def _hand_over(self, person: Person, command: Cover) -> str:
        """`/cms cover coordinators NAME [for OTHER] until TIME`: the on-call coordinator's turn
        handed to NAME for a while (NAME is told by the handoff check, workers.periodic)."""
        if not person.is_coordinator:
            return "Only coordinators can hand over the coordinators' on-call turn."
        names = [c.name for c in self.sites.coordinators]
        who = named_in(names, command.name)
        other = named_in(names, command.other) if command.other else None
        if who is None or (command.other and other is None):
            missing = command.name if who is None else command.other
            return f"No coordinator called {missing!r}. Coordinators: {', '.join(names)}"
        now = self.clock()
        try:
            ends = resolve(command.until, now, self.sites.tz)
        except UntilError as exc:  # "until today 8am" once 8am has passed
            return f"{str(exc)[0].upper()}{str(exc)[1:]}."
        async with self.engine.begin() as conn:
            await store.add_override(conn, Override(COORDINATORS, who, "cover", now, ends, other),
                                     person.name, now)
        await self._taken_up()
        local = ends.astimezone(self.sites.tz)
        instead = f" in place of {other}" if other else ""
        rotates = "" if COORDINATORS in self.sites.rotations else (
            " (the coordinators have no rotation: escalations still reach all of them)")
        return f"{DONE}{who} is the coordinator on call{instead} until " \
            f"{local:%a %b %d %H:%M}.{rotates}"


def may_change(person: Person, team_id: str) -> bool:
    """Whether `person` may change this team's roster: coordinators all, supervisors their own."""
    return person.is_coordinator or (person.role == "supervisor" and team_id in person.team_ids)


def named(team: Team, name: str) -> str | None:
    """The member's full name: as typed (any case), or a first name only one member has."""
    return named_in([m.name for m in team.members], name)


def named_in(names: list[str], name: str) -> str | None:
    """The full name among `names`: as typed (any case), or a first name only one has."""
    wanted = name.casefold()
    exact = [n for n in names if n.casefold() == wanted]
    first = [n for n in names if n.casefold().split()[0] == wanted]
    return exact[0] if exact else first[0] if len(first) == 1 else None
