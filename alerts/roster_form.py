"""The dashboard's roster forms read into the same typed commands as `/cms member ...` and
`/cms cover`, so that RosterDesk carries out both alike.

A form posts its action (add, remove, phone, role, shifts, cover), the team it was drawn for
and its own fields; each is checked here and a FormError names the field that is wrong, for
the page to show beside it. Shifts are written as in Slack, several separated by `;`, `none`
(or nothing) for none; the end of a cover as after `until` in Slack (8am, tomorrow 9am, 12h).
"""

from __future__ import annotations

from collections.abc import Mapping

from alerts.phone import PhoneError, normalise
from alerts.roster_commands import (
    NAME_LIMIT,
    Cover,
    MemberAdd,
    MemberPhone,
    MemberRemove,
    MemberRole,
    MemberShifts,
    RosterCommand,
)
from alerts.shifts import Shift, ShiftError, parse_shift
from alerts.sites import ROLES, Role
from alerts.until import UntilError, parse_until

ACTIONS = ("add", "remove", "phone", "role", "shifts", "cover")
# What each form posts besides its action and team (a form's other fields are ignored).
FIELDS: Mapping[str, tuple[str, ...]] = {
    "add": ("name", "phone", "role"), "remove": ("name",), "phone": ("name", "phone"),
    "role": ("name", "role"), "shifts": ("name", "shifts"), "cover": ("name", "other", "until"),
}
FIELD_LIMIT = 200  # characters kept of any field: a name is at most 80, a phone far less


class FormError(ValueError):
    """A roster form field that is missing or wrong; `field` is its name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def command_from_form(action: str, team_id: str, fields: Mapping[str, str]) -> RosterCommand:
    """The roster command a form asks for; FormError naming the field that is wrong."""
    if action not in ACTIONS:
        raise FormError("action", f"{action[:20]!r} is not a roster change")
    name = _name(fields.get("name", ""))
    if action == "add":
        return MemberAdd(team_id, name, _phone(fields.get("phone", "")),
                         _role(fields.get("role", "")))
    if action == "remove":
        return MemberRemove(team_id, name)
    if action == "phone":
        return MemberPhone(name, _phone(fields.get("phone", "")), team_id)
    if action == "role":
        return MemberRole(name, _role(fields.get("role", "")), team_id)
    if action == "shifts":
        return MemberShifts(name, _shifts(fields.get("shifts", "")), team_id)
    other = fields.get("other", "").strip()
    try:
        until = parse_until(fields.get("until", "").strip())
    except UntilError as exc:
        raise FormError("until", str(exc)) from None
    return Cover(team_id, name, until, _name(other, "other") if other else None)


def _name(raw: str, field: str = "name") -> str:
    name = " ".join(raw.split())
    if not name:
        raise FormError(field, "name the member")
    if len(name) > NAME_LIMIT:
        raise FormError(field, f"a name is at most {NAME_LIMIT} characters")
    return name


def _phone(raw: str) -> str:
    if not raw.strip():
        raise FormError("phone", "give a phone number")
    try:
        return normalise(raw.strip())
    except PhoneError as exc:
        raise FormError("phone", str(exc)) from None


def _role(raw: str) -> Role:
    for role in ROLES:
        if raw.strip().lower() == role:
            return role
    raise FormError("role", f"choose a role: {', '.join(ROLES)}")


def _shifts(raw: str) -> tuple[Shift, ...]:
    text = raw.strip()
    if text.lower() in ("", "none"):
        return ()
    try:
        return tuple(parse_shift(part.strip()) for part in text.split(";") if part.strip())
    except ShiftError as exc:
        raise FormError("shifts", str(exc)) from None
