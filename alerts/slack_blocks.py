"""The live Slack post of an incident: what, where, when, who is on it, and the buttons.

One renderer for the first post and every update, so the post always shows the one state,
whether it changed by SMS, by a button or by `/cms`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from alerts.incident import Incident
from alerts.linking import shown_detail
from alerts.render import clock_time, headline, place, victim_count, when
from alerts.states import IncidentStatus

ACTIONS = {"cms_ack": "Acknowledge", "cms_scene": "On scene", "cms_need": "Need support",
           "cms_close": "Close"}
# A post-takedown reminder is confirmed and answered with a short report.
REMINDER_ACTIONS = {"cms_ack": "Confirm", "cms_report": "Report", "cms_need": "Need support"}
# A member's SOS: acknowledging it says "I have them" and stops the calls.
SOS_ACTIONS = {"cms_ack": "Acknowledge"}
# A possible duplicate (alerts.duplicates), on the coordinators' post only.
DUPLICATE_ACTIONS = {"cms_merge": "Merge", "cms_separate": "Keep separate"}
_ENDED = (IncidentStatus.CLOSED, IncidentStatus.CANCELLED, IncidentStatus.MERGED)
_SHOWN_EVENTS = 8


@dataclass(frozen=True)
class SlackMessage:
    """A Slack message: fallback text for notifications plus Block Kit blocks."""

    text: str
    blocks: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class TeamState:
    """A routed team's part of the incident."""

    team_id: str
    name: str
    reason: str
    acked_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Event:
    """One timeline entry, as the post shows it."""

    at: datetime
    actor: str
    action: str
    detail: str = ""


@dataclass(frozen=True)
class PostState:
    """Everything a post shows."""

    incident: Incident
    status: IncidentStatus = IncidentStatus.OPEN
    teams: tuple[TeamState, ...] = ()
    events: tuple[Event, ...] = ()
    warning: str = ""
    outcome: str | None = None
    # The teams of each incident the events link to: a team's post names only those it serves.
    linked: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The incident this report may repeat (another source's), and whether that is undecided.
    duplicate_of: str | None = None
    pending: bool = False


def button_value(incident_id: str, team_id: str | None) -> str:
    """What a button carries: the incident, and the team whose post it is on."""
    return json.dumps({"incident": incident_id, "team": team_id or ""}, separators=(",", ":"))


def read_button_value(value: str) -> tuple[str, str | None]:
    """The inverse of `button_value`; ValueError if it is not one of ours."""
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("incident"), str):
        raise ValueError("not a cmsbot button")
    return data["incident"], (data.get("team") or None)


def incident_post(state: PostState, tz: tzinfo, team_id: str | None = None) -> SlackMessage:
    """The post for a team channel (`team_id`), or for the coordinators (None), who alone see
    the ids of linked incidents of other teams."""
    incident = state.incident
    kind = {"takedown": "takedown outreach", "sos": "SOS"}.get(incident.kind, "alert")
    title = f"CMS {kind}: {headline(incident)}"
    if state.status == IncidentStatus.CANCELLED:
        title = f"CANCELLED: {title}"
    elif state.status == IncidentStatus.MERGED:
        title = f"MERGED into {state.duplicate_of}: {title}"
    elif state.pending:
        title = f"POSSIBLE DUPLICATE of {state.duplicate_of}: {title}"
    where = "Last on scene" if incident.kind == "sos" else "Where"
    fields = [_field(where, place(incident)), _field("When", when(incident.occurred_at, tz))]
    if incident.kind == "shooting":
        fields.append(_field("Victims", victim_count(incident.victims)
                             + (" (fatal)" if incident.fatal else "")))
    fields.append(_field("Status", _status(state, tz)))
    if incident.hospital:
        fields.append(_field("Hospital", incident.hospital))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "fields": fields},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Catchment*\n{_catchment(state)}"}},
    ]
    if state.warning:
        blocks.append(_text(f":warning: *{escape(state.warning)}*"))
    if state.events:
        may_see = _visible_to(state, team_id)
        lines = [_event_line(e, may_see, tz) for e in state.events[-_SHOWN_EVENTS:]]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(lines)}]})
    if state.pending and team_id is None and state.status not in _ENDED:
        blocks.append(_duplicate_buttons(state, button_value(incident.id, None)))
    if state.status not in _ENDED:
        value = button_value(incident.id, team_id)
        shown = {"takedown": REMINDER_ACTIONS, "sos": SOS_ACTIONS}.get(incident.kind, ACTIONS)
        blocks.append({"type": "actions", "block_id": "cms_actions", "elements": [
            {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label},
             "value": value, **({"style": "primary"} if action_id == "cms_ack" else {})}
            for action_id, label in shown.items()]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(
        f"Incident {incident.id} · source {incident.source or 'unknown'} · "
        f"{'verified' if incident.verified else 'unverified'}")}]})
    text = f"{headline(incident)} at {place(incident)}, {when(incident.occurred_at, tz)}"
    return SlackMessage(text=escape(text), blocks=tuple(blocks))


def _duplicate_buttons(state: PostState, value: str) -> dict[str, Any]:
    return {"type": "actions", "block_id": "cms_duplicate", "elements": [
        {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label},
         "value": value, **({"style": "primary"} if action_id == "cms_merge" else {})}
        for action_id, label in DUPLICATE_ACTIONS.items()]}


def _visible_to(state: PostState, team_id: str | None) -> Callable[[str], bool]:
    teams_of = dict(state.linked)
    return lambda other: team_id is None or team_id in teams_of.get(other, ())


def _event_line(event: Event, may_see: Callable[[str], bool], tz: tzinfo) -> str:
    detail = shown_detail(event.action, event.detail, may_see)
    return (f"{clock_time(event.at, tz)} {escape(event.actor)}: {escape(event.action)}"
            + (f" ({escape(detail[:120])})" if detail else ""))


def _status(state: PostState, tz: tzinfo) -> str:
    if state.status == IncidentStatus.CLOSED:
        return f"Closed ({state.outcome or 'no outcome'})"
    if state.status == IncidentStatus.CANCELLED:
        return "CANCELLED: no need to respond"
    if state.status == IncidentStatus.MERGED:
        return f"Merged into {state.duplicate_of}: the same shooting"
    if state.pending:
        return (f"Possible second report of {state.duplicate_of}: its teams were not paged "
                "again. Merge, or keep it separate to page them.")
    acked = [t for t in state.teams if t.acked_at]
    if state.status == IncidentStatus.OPEN and not acked:
        return "Waiting for acknowledgement"
    return state.status.capitalize()


def _catchment(state: PostState) -> str:
    if not state.teams and state.duplicate_of:
        return f"The teams of {escape(state.duplicate_of)} were paged for this shooting already."
    if not state.teams:
        return "*No team catchment holds this incident.* Coordinators, please assign a team."
    lines = []
    for team in state.teams:
        mark = ":white_check_mark: " if team.closed_at else (":eyes: " if team.acked_at else "")
        ending = f" - closed: {team.outcome}" if team.closed_at else ""
        if team.outcome == "released":  # a corrected location left its catchment
            mark, ending = ":heavy_minus_sign: ", " - released: the corrected location is outside"
        lines.append(f"{mark}{escape(team.name)} ({escape(team.reason)}){escape(ending)}")
    return "\n".join(lines)


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": f"*{label}*\n{escape(value)}"}


def _text(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def escape(text: str) -> str:
    """Slack mrkdwn control characters, so feed text cannot mention @channel or forge links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bullet_list(lines: Sequence[str]) -> str:
    """Lines as a Slack bullet list."""
    return "\n".join(f"• {line}" for line in lines)
