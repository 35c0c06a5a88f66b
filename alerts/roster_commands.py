"""The `/cms` roster commands: member add|remove|phone|role|shifts, cover, calendar.

A NAME is one word, or words in double quotes ("Ana Diaz", straight or curly quotes); member
add and remove also take it unquoted, words up to the phone number or to the end. Where TEAM
is optional (phone, role, shifts) it comes first, and is told apart from the name by its
hyphen (man-up-eny) or by a quoted name after it (cure "Ana Diaz"). Names are kept as typed,
trimmed: the service matches them case-free. Each parser raises CommandError saying what is
wrong; slash.py adds the usage line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alerts.phone import PhoneError, normalise
from alerts.shifts import Shift, ShiftError, parse_shift
from alerts.sites import ROLES, Role
from alerts.until import For, Until, UntilError, parse_until

NAME_LIMIT = 80
COORDINATORS = "coordinators"
_TOKEN = re.compile(r'["\u201c\u201d]([^"\u201c\u201d]*)["\u201c\u201d]|(\S+)')
_QUOTE = re.compile(r'["\u201c\u201d]')
_TEAM = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_DAYS = re.compile(r"(?:[a-z]{3}(?:-[a-z]{3})?)(?:,[a-z]{3}(?:-[a-z]{3})?)*|daily")
_UNTIL = ("until", "till", "til")
Word = tuple[str, bool]  # a word, and whether it was quoted


class CommandError(ValueError):
    """A roster command that cannot be understood."""


@dataclass(frozen=True)
class MemberAdd:
    team_id: str
    name: str
    phone: str
    role: Role


@dataclass(frozen=True)
class MemberRemove:
    team_id: str
    name: str


@dataclass(frozen=True)
class MemberPhone:
    name: str
    phone: str
    team_id: str | None = None


@dataclass(frozen=True)
class MemberRole:
    name: str
    role: Role
    team_id: str | None = None


@dataclass(frozen=True)
class MemberShifts:
    """The member's shifts replaced by these (none: no shifts, always on)."""

    name: str
    shifts: tuple[Shift, ...]
    team_id: str | None = None


@dataclass(frozen=True)
class Cover:
    """NAME is on call for the team (for OTHER alone, when given) until `until`, which the
    service resolves with alerts.until.resolve; team "coordinators" hands over on-call."""

    team_id: str
    name: str
    until: Until
    other: str | None = None


@dataclass(frozen=True)
class CalendarRequest:
    """The caller's own iCalendar link."""


@dataclass(frozen=True)
class RosterChanges:
    """A team's roster audit: who changed what, when."""

    team_id: str


RosterCommand = (MemberAdd | MemberRemove | MemberPhone | MemberRole | MemberShifts | Cover
                 | CalendarRequest | RosterChanges)


def words(text: str) -> list[Word]:
    """The words of `text`, a quoted run counting as one; an unclosed quote is refused."""
    out: list[Word] = []
    for match in _TOKEN.finditer(text):
        if match[2] is not None and _QUOTE.search(match[2]):
            raise CommandError('close the quotes around a name: "Ana Diaz"')
        out.append((" ".join(match[1].split()), True) if match[1] is not None
                   else (match[2], False))
    return out


def parse_member(sub: str, text: str) -> RosterCommand:
    """`member SUB ...` with `text` the words after SUB."""
    given = words(text)
    if sub == "add":
        if len(given) < 4:
            raise CommandError("member add needs a team, a name, a phone number and a role")
        team, rest = _team(given[0]), given[1:-1]
        cut = _value_start(rest)
        if cut is None or cut == 0:
            raise CommandError("give the name, then the phone number")
        return MemberAdd(team, _name(rest[:cut]), _phone(rest[cut:]), _role(given[-1]))
    if sub == "remove":
        if len(given) < 2:
            raise CommandError("member remove needs a team and a name")
        return MemberRemove(_team(given[0]), _name(given[1:]))
    if sub == "phone":
        cut = _value_start(given)
        if cut is None or cut == 0:
            raise CommandError("give the name, then the new phone number")
        maybe_team, name = _who(given[:cut])
        return MemberPhone(name, _phone(given[cut:]), maybe_team)
    if sub == "role":
        if len(given) < 2:
            raise CommandError("member role needs a name and a role")
        maybe_team, name = _who(given[:-1])
        return MemberRole(name, _role(given[-1]), maybe_team)
    if sub != "shifts":
        raise CommandError(f"member {sub[:20]} is not a member command")
    cut = _shifts_start(given)
    if cut is None or cut == 0:
        raise CommandError("give the name, then shifts like mon-fri 18:00-02:00, or none")
    maybe_team, name = _who(given[:cut])
    return MemberShifts(name, _shifts(given[cut:]), maybe_team)


def parse_cover(text: str) -> Cover:
    """`cover TEAM NAME [for OTHER] until TIME` (or `... for 12h`)."""
    given = words(text)
    if len(given) < 2:
        raise CommandError("cover needs a team (or coordinators), a name and an end time")
    team, rest = _team(given[0]), given[1:]
    keys = [i for i, (word, quoted) in enumerate(rest) if not quoted and word.lower() in _UNTIL]
    fors = [i for i, (word, quoted) in enumerate(rest) if not quoted and word.lower() == "for"]
    if keys:
        who, when = rest[:keys[0]], " ".join(word for word, _ in rest[keys[0] + 1:])
    elif fors and fors[-1] == len(rest) - 2 and _is_length(rest[-1][0]):  # "... for 12h"
        who, when = rest[:fors[-1]], rest[-1][0]
    else:
        raise CommandError("say until when: until 8am, until tomorrow 9am, or for 12h")
    split = [i for i, (word, quoted) in enumerate(who) if not quoted and word.lower() == "for"]
    name = _name(who[:split[0]] if split else who)
    other = _name(who[split[0] + 1:]) if split else None
    try:
        until = parse_until(when)
    except UntilError as exc:
        raise CommandError(str(exc)) from None
    return Cover(team, name, until, other)


def _is_length(word: str) -> bool:
    try:
        return isinstance(parse_until(word), For)
    except UntilError:
        return False


def _team(word: Word) -> str:
    team = word[0].lower()
    if word[1] or not _TEAM.fullmatch(team):
        raise CommandError(f"{word[0][:40]!r} is not a team id (like man-up-eny)")
    return team


def _who(given: list[Word]) -> tuple[str | None, str]:
    if len(given) >= 2 and not given[0][1] and ("-" in given[0][0] or given[1][1]):
        return _team(given[0]), _name(given[1:])
    return None, _name(given)


def _name(given: list[Word]) -> str:
    if not given:
        raise CommandError("name the member")
    if len(given) > 1 and any(quoted for _, quoted in given):
        raise CommandError('put the whole name in quotes: "Ana Diaz"')
    name = " ".join(word for word, _ in given).strip()
    if not name:
        raise CommandError("name the member")
    if len(name) > NAME_LIMIT:
        raise CommandError(f"a name is at most {NAME_LIMIT} characters")
    return name


def _value_start(given: list[Word]) -> int | None:
    """Where a phone number starts: the first unquoted word with a digit, or a + or (."""
    for i, (word, quoted) in enumerate(given):
        if not quoted and (word[0] in "+(" or any(ch.isdigit() for ch in word)):
            return i
    return None


def _shifts_start(given: list[Word]) -> int | None:
    for i, (word, quoted) in enumerate(given):
        lowered = word.lower()
        if not quoted and (lowered == "none" or (_DAYS.fullmatch(lowered) and i + 1 < len(given)
                                                 and given[i + 1][0][:1].isdigit())):
            return i
    return None


def _phone(given: list[Word]) -> str:
    raw = " ".join(word for word, _ in given)
    try:
        return normalise(raw)
    except PhoneError as exc:
        raise CommandError(str(exc)) from None


def _role(word: Word) -> Role:
    for role in ROLES:
        if word[0].lower() == role:
            return role
    raise CommandError(f"{word[0][:30]!r} is not a role; roles are {', '.join(ROLES)}")


def _shifts(given: list[Word]) -> tuple[Shift, ...]:
    text = " ".join(word for word, _ in given)
    if text.lower() == "none":
        return ()
    try:
        return tuple(parse_shift(part.strip()) for part in text.split(";") if part.strip())
    except ShiftError as exc:
        raise CommandError(str(exc)) from None
