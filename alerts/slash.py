"""The `/cms` command grammar, and the help that lists only what works."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from alerts.replies import OUTCOMES, Refused, Reply, parse_reply
from alerts.roster_commands import (
    CalendarRequest,
    CommandError,
    RosterChanges,
    RosterCommand,
    parse_cover,
    parse_member,
)
from alerts.sites import ROLES

Name = Literal["help", "incidents", "ack", "log", "close", "oncall", "roster", "takedown",
               "takedowns", "cancel-takedown", "broadcast", "dashboard", "new", "cancel",
               "assign", "unassign", "sources", "member add", "member remove", "member phone",
               "member role", "member shifts", "cover", "calendar"]
MEMBER: tuple[Name, ...] = ("member add", "member remove", "member phone", "member role",
                            "member shifts")

USAGE: dict[Name, tuple[str, str]] = {
    "incidents": ("/cms incidents [open|today]", "incidents you can see: open (default) or today's"),
    "ack": ("/cms ack ID", "acknowledge an incident for your team"),
    "log": ("/cms log ID text", "add a note to an incident's timeline"),
    "close": ("/cms close ID outcome [note]", "close with " + ", ".join(OUTCOMES)),
    "cancel": ("/cms cancel ID reason",
               "cancel an unfounded or duplicate incident: escalations stop, those paged are "
               "told (coordinators)"),
    "oncall": ("/cms oncall [TEAM]", "who is on call now and next, the covers and time off, and "
                                     "who is on shift"),
    "roster": ("/cms roster TEAM [changes]",
               "a team's members, shifts and opt-outs; with changes, who changed what and when"),
    "member add": ("/cms member add TEAM NAME PHONE ROLE",
                   "add a member (ROLE: " + ", ".join(ROLES) + "); they confirm by texting YES"),
    "member remove": ("/cms member remove TEAM NAME", "take a member off a team"),
    "member phone": ("/cms member phone [TEAM] NAME NUMBER",
                     "change a member's number; they confirm by texting YES"),
    "member role": ("/cms member role [TEAM] NAME ROLE", "change a member's role"),
    "member shifts": ("/cms member shifts [TEAM] NAME SHIFT[; SHIFT...]",
                      "replace a member's shifts, e.g. mon-fri 18:00-02:00; none for always on"),
    "cover": ("/cms cover TEAM NAME [for OTHER] until TIME",
              "NAME is on call (for OTHER) until 8am, tomorrow 9am, mon 9am, or for 12h; "
              "TEAM coordinators hands over the on-call coordinator"),
    "calendar": ("/cms calendar", "your shifts, on-call turns, time off and covers as a "
                                  "calendar link for your phone, for you only"),
    "takedown": ("/cms takedown AREA DATE [note]",
                 "plan post-takedown outreach (AREA: team, precinct:N or geofence; coordinators; "
                 "with a TD-id as AREA, move that plan)"),
    "takedowns": ("/cms takedowns [ID]", "plans with their next step, or one plan's timeline"),
    "assign": ("/cms assign ID TEAM", "add a team to an incident, paged as if routed there "
                                      "(coordinators)"),
    "unassign": ("/cms unassign ID TEAM", "take a team off an incident: its escalation stops, "
                                          "its people are told (coordinators)"),
    "cancel-takedown": ("/cms cancel-takedown ID", "cancel the rest of a plan (coordinators)"),
    "broadcast": ("/cms broadcast ZONE text [| es: texto]",
                  "a safety update to residents of zip:N, nta:CODE, precinct:N or a team's "
                  "area, previewed before it goes (coordinators)"),
    "dashboard": ("/cms dashboard", "a sign-in link to the dashboard, for you only, valid 10 minutes"),
    "new": ("/cms new", "report a shooting the feed does not have yet: a hospital call, a tip "
                        "(coordinators and supervisors)"),
    "sources": ("/cms sources", "each incident feed's last contact, and whether it is overdue"),
    "help": ("/cms help", "this list"),
}


@dataclass(frozen=True)
class Command:
    """A `/cms` command understood."""

    name: Name
    incident_id: str | None = None
    text: str = ""
    outcome: str | None = None
    scope: str = "open"
    team_id: str | None = None
    area: str | None = None
    date: str | None = None
    text_es: str | None = None

    def as_text(self) -> str:
        """The command as typed after `/cms`, in one canonical spelling that parse_command reads
        back as this Command (the grammar's round-trip property; tiny on purpose)."""
        spanish = f"| es: {self.text_es}" if self.text_es else None
        parts = {"incidents": (self.scope,), "oncall": (self.team_id,), "roster": (self.team_id,),
                 "assign": (self.incident_id, self.team_id),
                 "unassign": (self.incident_id, self.team_id),
                 "close": (self.incident_id, self.outcome, self.text),
                 "takedown": (self.area, self.date, self.text),
                 "broadcast": (self.area, self.text, spanish)}.get(self.name,
                                                                     (self.incident_id, self.text))
        return " ".join([self.name, *(part for part in parts if part)])


@dataclass(frozen=True)
class Usage:
    """Not understood: what to type instead."""

    message: str


def help_text() -> str:
    """Every command that works, one per line."""
    return "\n".join(f"`{usage}`  {what}" for usage, what in USAGE.values())


def parse_command(text: str) -> Command | RosterCommand | Usage:
    """Understand the text after `/cms`."""
    words = text.split()
    if not words or words[0].lower() == "help":
        return Command("help")
    name, rest = words[0].lower(), words[1:]
    if name == "incidents":
        scope = rest[0].lower() if rest else "open"
        if len(rest) > 1 or scope not in ("open", "today"):
            return _usage("incidents")
        return Command("incidents", scope=scope)
    if name == "ack":
        return _incident_command("ack", rest)
    if name == "log":
        return _incident_command("log", rest)
    if name == "close":
        return _incident_command("close", rest)
    if name == "cancel":
        # The reason is required: it is what those paged read, and what the timeline keeps.
        return Command("cancel", rest[0], " ".join(rest[1:])) if len(rest) > 1 \
            else _usage("cancel")
    if name == "oncall":
        if len(rest) > 1:
            return _usage("oncall")
        return Command("oncall", team_id=rest[0].lower() if rest else None)
    if name == "roster":
        if len(rest) == 2 and rest[1].lower() == "changes":
            return RosterChanges(rest[0].lower())
        return Command("roster", team_id=rest[0].lower()) if len(rest) == 1 else _usage("roster")
    if name == "member":
        return _member(text, rest)
    if name == "cover":
        try:
            return parse_cover(_after(text, 1))
        except CommandError as exc:
            return _usage("cover", str(exc))
    if name == "calendar":
        return CalendarRequest() if not rest else _usage("calendar")
    if name == "takedown":
        if len(rest) < 2:
            return _usage("takedown")
        return Command("takedown", area=rest[0], date=rest[1], text=" ".join(rest[2:]))
    if name == "takedowns":
        if len(rest) > 1:
            return _usage("takedowns")
        return Command("takedowns", incident_id=rest[0] if rest else None)
    if name == "broadcast":
        if len(rest) < 2:
            return _usage("broadcast")
        english, _, spanish = " ".join(rest[1:]).partition("|")
        spanish = spanish.strip()
        if spanish[:3].lower() == "es:":
            spanish = spanish[3:].strip()
        if not english.strip():
            return _usage("broadcast")
        return Command("broadcast", area=rest[0], text=english.strip(), text_es=spanish or None)
    if name == "dashboard":
        return Command("dashboard") if not rest else _usage("dashboard")
    if name == "sources":
        return Command("sources") if not rest else _usage("sources")
    if name == "new":
        return Command("new") if not rest else _usage("new")
    if name in ("assign", "unassign"):
        which: Literal["assign", "unassign"] = "assign" if name == "assign" else "unassign"
        return Command(which, rest[0], team_id=rest[1].lower()) if len(rest) == 2 \
            else _usage(which)
    if name == "cancel-takedown":
        return Command("cancel-takedown", incident_id=rest[0]) if len(rest) == 1 \
            else _usage("cancel-takedown")
    return Usage(f"I don't know `{name[:30]}`. Commands:\n{help_text()}")


def _incident_command(name: Literal["ack", "log", "close"], rest: list[str]) -> Command | Usage:
    if not rest:
        return _usage(name)
    incident_id, words = rest[0], rest[1:]
    if name == "ack":
        return Command("ack", incident_id) if not words else _usage("ack")
    if name == "log":
        return Command("log", incident_id, " ".join(words)) if words else _usage("log")
    # Close takes the same outcomes, with the same forgiveness, as the SMS "12C outcome".
    parsed: Reply | Refused = parse_reply(f"C {' '.join(words)}") if words else Refused("")
    if isinstance(parsed, Refused) or parsed.outcome is None:
        return _usage("close")
    return Command("close", incident_id, parsed.text, parsed.outcome)


def _member(text: str, rest: list[str]) -> RosterCommand | Usage:
    which = f"member {rest[0].lower()}" if rest else ""
    name = next((known for known in MEMBER if known == which), None)
    if name is None:
        said = f"I don't know `{which[:30]}`. " if which else ""
        return Usage(f"{said}Member commands:\n" + "\n".join(f"`{USAGE[known][0]}`  {USAGE[known][1]}"
                                                       for known in MEMBER))
    try:
        return parse_member(name.split()[1], _after(text, 2))
    except CommandError as exc:
        return _usage(name, str(exc))


def _after(text: str, count: int) -> str:
    """The text after its first `count` words, as typed (quotes and all)."""
    parts = text.split(None, count)
    return parts[count] if len(parts) > count else ""


def _usage(name: Name, problem: str = "") -> Usage:
    usage, what = USAGE[name]
    said = f"{problem[0].upper()}{problem[1:]}. " if problem else ""
    return Usage(f"{said}Usage: `{usage}` ({what})")
