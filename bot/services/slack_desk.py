"""What people do from Slack: buttons and `/cms`, checked against the roster, on the one state.

A Slack user is whoever the sites file says has that `slack_user`. Members act on incidents
routed to one of their teams (supervisors too); coordinators on everything. Someone unknown can
read `/cms help` and nothing else. An incident or plan someone may not see is answered as one
that does not exist. Acting writes the same timeline, stops the same escalations and tells the
same people as an SMS reply would.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select

from alerts.action_results import StaffAction, slack_reply
from alerts.feeds import status_line
from alerts.numbered_ids import id_number
from alerts.on_call import on_call_lines, override_lines
from alerts.render import clock_time, place
from alerts.sites import Person
from alerts.slack_blocks import bullet_list, escape
from alerts.slash import USAGE, Command, Usage, help_text, parse_command
from alerts.states import DuplicateDecision
from alerts.takedown_text import list_text, schedule_text, timeline_text
from alerts.takedowns import TakedownError
from bot.queue.handoff import hand_off
from bot.services.actions import Act, perform
from bot.services.assignments import AssignError, Assignments
from bot.services.base import UseCase
from bot.services.broadcasts import (
    Broadcaster,
    BroadcastError,
    Preview,
    PrivateText,
    time_to_send,
)
from bot.services.cancellations import CancelError, Canceller
from bot.services.duplicate_decisions import DecisionError, DuplicateDesk
from bot.services.feeds import FeedWatch
from bot.services.incident_refs import find_incident, page_for, team_for
from bot.services.roster import roster
from bot.services.roster_desk import RosterDesk
from bot.services.sessions import SigninLinks
from bot.services.takedowns import Planner, takedown_number
from bot.store import roster as roster_store
from bot.store.pages import incident, incident_from_row
from bot.store.schema import incident_teams, incidents


@dataclass(frozen=True)
class Answer:
    """An ephemeral answer: text, and blocks when it needs a button."""

    text: str
    blocks: tuple[dict[str, Any], ...] = ()


log = logging.getLogger(__name__)

NOT_ON_ROSTER = ("You are not on the CMS roster, so you can only read `/cms help`. Ask a "
                 "coordinator to add your Slack user id ({user}) to the sites file.")


@dataclass(frozen=True)
class SlackDesk(UseCase):
    """Carries out Slack actions and answers `/cms` commands."""

    planner: Planner
    broadcaster: Broadcaster
    public_url: str = "http://localhost:8080"
    # Made on first use (the key may be generated under home): only `/cms calendar` needs it.
    calendar_key: Callable[[], bytes] | None = None

    @property
    def rate(self) -> float:
        """The resident send rate broadcasts are paced at (segments a second)."""
        return self.broadcaster.rate

    async def command(self, user_id: str, text: str) -> Answer:
        """The ephemeral answer to `/cms text` from this user."""
        parsed = parse_command(text)
        if isinstance(parsed, Usage):
            return Answer(parsed.message)
        if not isinstance(parsed, Command):
            someone = self.sites.person_for_slack(user_id)
            if someone is None:
                return Answer(NOT_ON_ROSTER.format(user=user_id))
            desk = RosterDesk(self.engine, self.live, self.redis, self.clock, self.public_url,
                              self.calendar_key)
            return Answer(await desk.run(someone, parsed))
        if parsed.name == "help":
            return Answer("*CMS commands*\n" + help_text())
        person = self.sites.person_for_slack(user_id)
        if person is None:
            return Answer(NOT_ON_ROSTER.format(user=user_id))
        if parsed.name in ("ack", "log", "close"):
            assert parsed.incident_id is not None
            actions: dict[str, StaffAction] = {"ack": "ack", "log": "note", "close": "close"}
            action = actions[parsed.name]
            return Answer(await self.act(user_id, parsed.incident_id, None, action, parsed.text,
                                         parsed.outcome))
        if parsed.name == "incidents":
            return Answer(await self._incidents(person, parsed))
        if parsed.name == "cancel":
            return Answer(await self._cancel(person, parsed))
        if parsed.name in ("assign", "unassign"):
            return Answer(await self._assign(person, parsed))
        if parsed.name == "broadcast":
            return await self._broadcast(person, parsed)
        if parsed.name == "dashboard":
            return await self._dashboard_link(person)
        if parsed.name == "new":  # Slack itself opens the form (handlers.slack_report)
            return Answer("`/cms new` opens a form in Slack; the dashboard has one too.")
        if parsed.name == "sources":
            return Answer(await self._sources())
        if parsed.name in ("takedown", "takedowns", "cancel-takedown"):
            try:
                return await self._takedowns(person, parsed)
            except TakedownError as exc:
                return Answer(f"{escape(str(exc))}. Usage: `{USAGE[parsed.name][0]}`")
        return Answer(await self._people(person, parsed))

    async def _assign(self, person: Person, command: Command) -> str:
        assert command.incident_id is not None and command.team_id is not None
        async with self.engine.connect() as conn:
            incident_id = await find_incident(conn, command.incident_id, person)
        desk = Assignments(self.engine, self.live, self.redis, self.clock)
        chosen = incident_id or command.incident_id
        try:
            if command.name == "assign":
                paged = await desk.assign(chosen, command.team_id, person)
                return f"`{escape(chosen)}`: {escape(command.team_id)} assigned, {paged} paged."
            told = await desk.unassign(chosen, command.team_id, person)
        except AssignError as exc:
            return escape(str(exc)) + "."
        return f"`{escape(chosen)}`: {escape(command.team_id)} released, {told} told."

    async def _cancel(self, person: Person, command: Command) -> str:
        if not person.is_coordinator:
            return "Only coordinators can use `/cms cancel`."
        assert command.incident_id is not None
        async with self.engine.connect() as conn:
            incident_id = await find_incident(conn, command.incident_id, person)
        canceller = Canceller(self.engine, self.live, self.redis, self.clock)
        try:
            done = await canceller.cancel(incident_id or command.incident_id, command.text,
                                          person.name, "slack")
        except CancelError as exc:
            return escape(str(exc)) + "."
        withdrawn = " The residents' area notice is withdrawn." if done.notices_withdrawn else ""
        return (f"Cancelled `{escape(done.incident_id)}`: escalations and follow-ups stopped, "
                f"{done.told} {'person' if done.told == 1 else 'people'} told.{withdrawn}")

    async def confirm_broadcast(self, user_id: str, reference: str) -> Answer:
        """The Confirm button under a broadcast's preview (or a playbook's residents step)."""
        person = self.sites.person_for_slack(user_id)
        if person is None or not person.is_coordinator:
            return Answer("Only coordinators can send resident broadcasts.")
        try:
            preview = await self.broadcaster.confirm(_broadcast_id(reference), person.name)
        except BroadcastError as exc:
            return Answer(escape(str(exc)))
        return Answer(f"*{preview.name}* is going to {preview.recipients} residents of "
                      f"{escape(preview.label)}.")

    async def _dashboard_link(self, person: Person) -> Answer:
        token = await asyncio.to_thread(SigninLinks(self.redis).create, person.slack_user,
                                        self.clock())
        log.info("dashboard sign-in link issued to %s", person.name)
        scope = "every team" if person.is_coordinator else ", ".join(person.team_ids)
        return Answer(f"<{self.public_url}/signin/{token}|Sign in to the CMS dashboard> "
                      f"({escape(scope)}). The link is yours alone, works once and expires in "
                      "10 minutes; don't forward it.")

    async def _broadcast(self, person: Person, command: Command) -> Answer:
        if not person.is_coordinator:
            return Answer("Only coordinators can use `/cms broadcast`.")
        assert command.area is not None
        try:
            preview = await self.broadcaster.draft(command.area, command.text, person.name,
                                                   text_es=command.text_es)
        except PrivateText as exc:
            # No draft, no button: the coordinator gets the words refused and the area's wording.
            return Answer(escape(f"{exc}.\nSay it for the area instead, for example:\n"
                                 f"`/cms broadcast {command.area} {exc.english} | es: {exc.spanish}`"))
        except BroadcastError as exc:
            return Answer(f"{escape(str(exc))}. Usage: `{USAGE['broadcast'][0]}`")
        return broadcast_preview(preview, self.rate)

    async def decide_duplicate(self, user_id: str, incident_id: str,
                               decision: DuplicateDecision) -> str:
        """The Merge and Keep separate buttons of a possible duplicate's post: coordinators only."""
        person = self.sites.person_for_slack(user_id)
        if person is None or not person.is_coordinator:
            return "Only coordinators can merge a second report or keep it separate."
        desk = DuplicateDesk(self.engine, self.live, self.redis, self.clock)
        try:
            return await desk.decide(incident_id, decision, person)
        except DecisionError as exc:
            return escape(str(exc)) + "."

    async def confirm_past(self, user_id: str, reference: str) -> Answer:
        """The "send the past steps now" button of a plan made after its first steps."""
        person = self.sites.person_for_slack(user_id)
        if person is None or not person.is_coordinator:
            return Answer("Only coordinators can send takedown steps.")
        try:
            view = await self.planner.confirm_past(reference, person.name)
        except TakedownError as exc:
            return Answer(escape(str(exc)))
        return Answer(schedule_text(view, self.sites.tz))

    async def _takedowns(self, person: Person, command: Command) -> Answer:
        tz = self.sites.tz
        if command.name == "takedowns":
            if command.incident_id is None:
                return Answer(list_text(await self.planner.visible(person), tz))
            number = takedown_number(command.incident_id)  # malformed: what ids look like
            shown = {v.plan.id: v for v in await self.planner.visible(person)}
            if number not in shown:
                # Missing and not yours alike: a member must not learn that a plan exists.
                return Answer(f"No takedown `{escape(command.incident_id)}` that you can see.")
            return Answer(timeline_text(shown[number], tz))
        if not person.is_coordinator:
            return Answer(f"Only coordinators can use `/cms {command.name}`: takedown plans are "
                          "confidential until their date.")
        if command.name == "cancel-takedown":
            assert command.incident_id is not None
            view = await self.planner.cancel(command.incident_id, person.name)
            return Answer(schedule_text(view, tz))
        assert command.area is not None and command.date is not None
        if command.area.upper().startswith("TD"):
            view = await self.planner.move(command.area, command.date, person.name)
        else:
            view = await self.planner.create(command.area, command.date, command.text,
                                             person.name)
        text = schedule_text(view, tz)
        if not any(step.status == "past" for step in view.steps):
            return Answer(text)
        button = {"type": "actions", "elements": [{
            "type": "button", "action_id": "cms_td_confirm", "style": "danger",
            "text": {"type": "plain_text", "text": "Send them now"}, "value": view.plan.name}]}
        return Answer(text, ({"type": "section", "text": {"type": "mrkdwn", "text": text}},
                             button))

    async def act(self, user_id: str, incident_ref: str, team_hint: str | None,
                  action: StaffAction, text: str = "", outcome: str | None = None) -> str:
        """Do `action` (ack, scene, note, need, close) on an incident as this Slack user."""
        person = self.sites.person_for_slack(user_id)
        if person is None:
            return NOT_ON_ROSTER.format(user=user_id)
        now = self.clock()
        async with self.engine.begin() as conn:
            incident_id = await find_incident(conn, incident_ref, person)
            subject = await incident(conn, incident_id) if incident_id else None
            routed = list(await conn.scalars(select(incident_teams.c.team_id).where(
                incident_teams.c.incident_id == incident_id))) if subject else []
            team = team_for(person, routed, team_hint) if subject else False
            if incident_id is None or subject is None or team is False:
                # Missing and not theirs get one answer: nobody learns that another team's id exists.
                return f"No incident `{escape(incident_ref)}`. `/cms incidents` lists yours."
            team_id = team if isinstance(team, str) else None
            page = await page_for(conn, incident_id, person, team_id, now)
            act = Act(page, subject, self.sites, now, channel="slack")
            done = await perform(conn, act, action, text, outcome)
        # A repeat (a second press of Acknowledge) changed nothing the post shows: no redraw.
        await hand_off(self.redis, done.work, now)
        return slack_reply(done.result, incident_id, self.sites.tz)

    async def _incidents(self, person: Person, command: Command) -> str:
        now = self.clock()
        statement = select(incidents).where(incidents.c.kind == "shooting").order_by(
            incidents.c.occurred_at.desc()).limit(20)
        if command.scope == "today":
            midnight = now.astimezone(self.sites.tz).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)
            statement = statement.where(incidents.c.occurred_at >= midnight,
                                        incidents.c.occurred_at < midnight + timedelta(days=1))
        else:
            statement = statement.where(incidents.c.closed_at.is_(None))
        if not person.is_coordinator:
            mine = select(incident_teams.c.incident_id).where(
                incident_teams.c.team_id.in_(person.team_ids))
            statement = statement.where(incidents.c.id.in_(mine))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
            teams: dict[str, list[str]] = {}
            for row in await conn.execute(select(incident_teams.c.incident_id,
                                                 incident_teams.c.team_id)):
                teams.setdefault(row.incident_id, []).append(row.team_id)
        if not rows:
            return f"No {'open ' if command.scope == 'open' else ''}incidents" + \
                (" today." if command.scope == "today" else ".")
        lines = [self._incident_line(row, teams.get(row.id, [])) for row in rows]
        heading = "Open incidents" if command.scope == "open" else "Incidents today"
        return f"*{heading}* ({len(rows)})\n" + bullet_list(lines)

    def _incident_line(self, row: Any, team_ids: list[str]) -> str:
        item = incident_from_row(row._mapping)
        who = ", ".join(team_ids) or "coordinators"
        status = getattr(row, "status", "open")
        return (f"`{escape(item.id)}` {clock_time(item.occurred_at, self.sites.tz)} "
                f"{escape(place(item))}: {escape(who)}, {escape(status)}")

    async def _sources(self) -> str:
        # Anyone on the roster may read it: a silent feed is everyone's business.
        watched = await FeedWatch(self.engine, self.live, self.redis, self.clock).status()
        if not watched:
            return "No incident sources are watched: list them under `sources:` in the sites file."
        now = self.clock()
        return "*Incident sources*\n" + bullet_list(
            [escape(status_line(s.source, s.state, now, self.sites.tz)) for s in watched])

    async def _people(self, person: Person, command: Command) -> str:
        team_id = command.team_id
        if team_id is not None and self.sites.find_team(team_id) is None:
            known = ", ".join(t.id for t in self.sites.teams)
            return f"No team `{escape(team_id)}`. Teams: {known}"
        if not person.is_coordinator:
            if team_id is None and command.name == "oncall":
                team_id = person.team_ids[0] if len(person.team_ids) == 1 else None
            if team_id is None or team_id not in person.team_ids:
                return ("Only coordinators can see other teams. Try "
                        f"`/cms {command.name} {person.team_ids[0] if person.team_ids else 'TEAM'}`.")
        entries = await roster(self.engine, self.sites, self.clock(), team_id)
        if command.name == "oncall":
            entries = [e for e in entries if e.on_shift and not e.opted_out]
            turns = on_call_lines(self.sites, team_id, self.clock())
            head = "*On call and covers*\n" + bullet_list([escape(t) for t in turns]) + "\n" \
                if turns else ""
            if not entries:
                return head + "Nobody is on shift right now" + (
                    f" in `{team_id}`." if team_id else ".")
            return head + "*On shift now*\n" + bullet_list(
                [f"{escape(e.name)} ({e.role}, {e.team_id})" for e in entries])
        lines = [f"{escape(e.name)}, {e.role}, {e.phone}: "
                 f"{'on shift' if e.on_shift else 'off shift'}"
                 f"{', OPTED OUT of SMS (STOP)' if e.opted_out else ''}"
                 f"{', UNVERIFIED (no YES yet: gets no alert details)' if not e.verified else ''}"
                 f"{_resting(e.resting_until, self.sites.tz)}"
                 f"{f', {e.open_alerts} open alerts' if e.open_alerts else ''}" for e in entries]
        text = f"*Roster of {escape(team_id or 'all teams')}*\n" + bullet_list(lines)
        held = override_lines(self.sites, team_id, self.clock())
        if held:
            text += "\n*Covers and time off*\n" + bullet_list([escape(h) for h in held])
        async with self.engine.connect() as conn:
            logged = await roster_store.change_log(conn, team_id, limit=5)
        if logged:
            # The audit, newest first: who changed what, and when (phones never shown).
            text += "\n*Recent changes*\n" + bullet_list(
                [f"{entry.at.astimezone(self.sites.tz):%b %d %H:%M} {escape(entry.actor)}: "
                 f"{escape(entry.change.describe())}" for entry in logged])
        return text


def _resting(until: datetime | None, tz: tzinfo) -> str:
    if until is None:
        return ""
    return f", resting after a fatal response until {until.astimezone(tz):%a %H:%M}"


def broadcast_preview(preview: Preview, rate: float) -> Answer:
    """A broadcast's preview with its Confirm button."""
    pace = f" at {rate:g} segments/s" if rate > 0 else ""
    text = (f"*{preview.name}* to residents of {escape(preview.label)}: {preview.recipients} "
            f"recipients, {preview.segments} segment{'s' if preview.segments != 1 else ''} each, "
            f"{time_to_send(preview.seconds)}{pace}.\n>{escape(preview.sample)}")
    button = {"type": "actions", "elements": [{
        "type": "button", "action_id": "cms_broadcast_confirm", "style": "primary",
        "text": {"type": "plain_text", "text": "Confirm"}, "value": preview.name}]}
    return Answer(text, ({"type": "section", "text": {"type": "mrkdwn", "text": text}}, button))


def _broadcast_id(reference: str) -> int:
    number = id_number(reference, "B")
    if number is None:
        raise BroadcastError(f"{reference!r} is not a broadcast id; they look like B-3")
    return number
