"""The roster page's markup: a section per team with its members, covers, forms and changes.

Plain HTML forms (they work without scripts), each posting its action, its team and the
session's CSRF token to /roster. Phones are shown redacted; every value is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape

from alerts.overrides import Override
from alerts.phone import redact
from alerts.sites import ROLES, Member
from bot.services.roster_board import TeamBoard
from bot.store.roster import LoggedChange


@dataclass(frozen=True)
class Problem:
    """What was wrong with a posted form, to show in it with what was typed."""

    team_id: str
    action: str
    field: str | None  # None: the whole change was refused (RosterDesk's answer)
    message: str
    typed: Mapping[str, str]


# Each form: its action, its legend, its fields (name, label, kind, hint), its button.
_FORMS: tuple[tuple[str, str, tuple[tuple[str, str, str, str], ...], str], ...] = (
    ("add", "Add a member", (("name", "Name", "text", ""), ("phone", "Phone", "tel", ""),
                             ("role", "Role", "role", "")), "Add"),
    ("cover", "Cover", (("name", "Who is on", "member", ""),
                        ("other", "Instead of", "member", "optional: whom they replace"),
                        ("until", "Until", "text", "8am, tomorrow 9am, mon 9am or 12h")),
     "Put on"),
    ("phone", "Change a phone", (("name", "Member", "member", ""),
                                 ("phone", "New phone", "tel", "")), "Change phone"),
    ("role", "Change a role", (("name", "Member", "member", ""), ("role", "Role", "role", "")),
     "Change role"),
    ("shifts", "Change shifts", (("name", "Member", "member", ""),
                                 ("shifts", "Shifts", "text",
                                  "mon-fri 18:00-02:00; sat 12:00-20:00, or none")),
     "Change shifts"),
    ("remove", "Remove a member", (("name", "Member", "member", ""),), "Remove"),
)


def team_section(board: TeamBoard, csrf: str, tz: tzinfo, now: datetime,
                 problem: Problem | None) -> str:
    """One team: members, covers and time off, the forms, and the latest changes."""
    team = board.team
    rows = "".join(_member_row(m) for m in team.members) or \
        '<tr><td colspan="6" class="muted">Nobody yet.</td></tr>'
    covers = "".join(f"<li>{escape(_override(o, tz))}</li>" for o in board.overrides)
    on_call = "".join(f"<li>{escape(line)}</li>" for line in board.on_call)
    changes = "".join(
        f'<li><time datetime="{e.at.isoformat()}">{e.at.astimezone(tz):%b %d %H:%M}</time> '
        f"{escape(e.actor)}: {escape(_change(e, tz))}</li>" for e in board.changes)
    mine = problem if problem is not None and problem.team_id == team.id else None
    names = "".join(f'<option value="{escape(m.name)}">' for m in team.members)
    forms = "".join(_form(team.id, csrf, action, legend, fields, button, mine)
                    for action, legend, fields, button in _FORMS)
    return (f'<section class="team-roster" id="team-{escape(team.id)}" '
            f'aria-labelledby="{escape(team.id)}-title">'
            f'<h2 id="{escape(team.id)}-title">{escape(team.name)} '
            f'<small class="muted">{escape(team.id)}</small></h2>'
            f'<div class="table-wrap"><table class="members" aria-label="{escape(team.name)} '
            'members"><thead><tr><th>Name</th><th>Role</th><th>Phone</th><th>Shifts</th>'
            f"<th>Languages</th><th>Number</th></tr></thead><tbody>{rows}</tbody></table></div>"
            + (f'<h3>On call</h3><ul class="on-call">{on_call}</ul>' if on_call else "")
            + "<h3>Covers and time off now</h3>"
            + (f'<ul class="overrides">{covers}</ul>' if covers
               else '<p class="muted">None.</p>')
            + f'<datalist id="{escape(team.id)}-names">{names}</datalist>'
            # Folded: four teams' forms open would bury the rosters; open after a wrong post.
            + f'<details class="roster-changes"{" open" if mine else ""}>'
            + f"<summary>Change {escape(team.name)}'s roster</summary>"
            + f'<div class="roster-forms">{forms}</div></details>'
            + "<h3>Latest changes</h3>"
            + (f'<ul class="changes">{changes}</ul>' if changes
               else '<p class="muted">None yet.</p>')
            + f'<p class="muted">As of {now.astimezone(tz):%a %b %d %H:%M}.</p></section>')


def _member_row(member: Member) -> str:
    shifts = "; ".join(shift.text for shift in member.shifts) or "always"
    state = ('<strong class="unverified">UNVERIFIED</strong> <span class="muted">(no YES '
             "yet: alerts reach them without details)</span>" if not member.verified
             else "verified")
    return (f"<tr><td>{escape(member.name)}</td><td>{escape(member.role)}</td>"
            f"<td>{escape(redact(member.phone))}</td><td>{escape(shifts)}</td>"
            f"<td>{escape(', '.join(member.languages))}</td><td>{state}</td></tr>")


def _override(override: Override, tz: tzinfo) -> str:
    ends = f"until {override.ends.astimezone(tz):%a %b %d %H:%M}"
    if override.kind == "off":
        return f"{override.name} is off {ends}"
    instead = f" in place of {override.instead_of}" if override.instead_of else ""
    return f"{override.name} is on{instead} {ends}"


def _change(logged: LoggedChange, tz: tzinfo) -> str:
    change = logged.change
    until = (change.after or {}).get("until")
    if change.action in ("cover", "off") and isinstance(until, str):
        instead = (change.after or {}).get("instead_of")
        also = f" in place of {instead}" if instead else ""
        ends = datetime.fromisoformat(until).astimezone(tz)
        return f"{change.action} {change.name}{also} until {ends:%a %b %d %H:%M}"
    return change.describe()


def _form(team_id: str, csrf: str, action: str, legend: str,
          fields: tuple[tuple[str, str, str, str], ...], button: str,
          problem: Problem | None) -> str:
    mine = problem if problem is not None and problem.action == action else None
    inputs = "".join(_field(team_id, action, field, mine) for field in fields)
    refused = (f'<p class="error">{escape(mine.message)}</p>'
               if mine is not None and mine.field not in {f[0] for f in fields} else "")
    return (f'<form method="post" action="/roster" class="roster-form {action}">'
            f"<fieldset><legend>{legend}</legend>"
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<input type="hidden" name="team" value="{escape(team_id)}">'
            f'<input type="hidden" name="action" value="{action}">{refused}{inputs}'
            f'<button type="submit">{button}</button></fieldset></form>')


def _field(team_id: str, action: str, field: tuple[str, str, str, str],
           problem: Problem | None) -> str:
    name, label, kind, hint = field
    ident = f"{team_id}-{action}-{name}"
    value = problem.typed.get(name, "") if problem is not None else ""
    wrong = problem is not None and problem.field == name
    described = " ".join(([f"{ident}-hint"] if hint else []) + ([f"{ident}-error"] if wrong
                                                                 else []))
    aria = (f' aria-describedby="{described}"' if described else "") + \
        (' aria-invalid="true"' if wrong else "")
    required = "" if name == "other" else " required"
    if kind == "role":
        options = "".join(f'<option{" selected" if role == value else ""}>{role}</option>'
                          for role in ROLES)
        control = f'<select id="{ident}" name="{name}"{aria}>{options}</select>'
    else:
        listed = f' list="{escape(team_id)}-names"' if kind == "member" else ""
        control = (f'<input id="{ident}" name="{name}" type="{"tel" if kind == "tel" else "text"}"'
                   f' value="{escape(value)}" autocomplete="off"{listed}{aria}{required}>')
    small = f' <small id="{ident}-hint" class="muted">{escape(hint)}</small>' if hint else ""
    error = (f' <span id="{ident}-error" class="error">{escape(problem.message)}</span>'
             if wrong and problem is not None else "")
    return f'<p><label for="{ident}">{label}</label> {control}{small}{error}</p>'
