"""Every other SMS staff get: escalations, support requests, ack notices, check-ins, replies.

All GSM-7 and at most two segments; each names the short number to reply with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from alerts.gsm import fit, to_gsm7
from alerts.incident import Incident
from alerts.render import clock_time, headline, place, when

MAX_SEGMENTS = 2
HELP = ("CMS codes (number optional with one open alert): 12A ack, 12S on scene, "
        "12N note, NEED 12 text, 12C outcome (mediated, hospital-visit, referred, "
        "no-contact, other), 12X can't go, 12K checked out/left scene, EXTEND 12 30 more "
        "time on scene, STATUS. Supervisors: CLEAR 12 name. STOP opts out.")
STRANGER_HELP = ("This number sends Crisis Management System alerts to registered staff only. "
                 "Reply STOP to opt out.")


FORWARDED_CHARS = 300  # a forwarded text is cut here (and the SMS at two segments)


@dataclass(frozen=True)
class ClearResult:
    """What a CLEAR found: refused (not a supervisor or coordinator), the member it checked
    out, or those on scene to choose from (`wanted`: the name given matched none or several)."""

    refused: bool = False
    cleared: str = ""
    on_scene: tuple[str, ...] = ()
    wanted: str = ""


@dataclass(frozen=True)
class OpenAlert:
    """One of a member's open alerts, for STATUS and for "which one?" questions."""

    number: int
    incident: Incident
    state: str


def _sms(*lines: str) -> str:
    return fit(to_gsm7("\n".join(line for line in lines if line)), MAX_SEGMENTS)


def escalation_sms(incident: Incident, number: int, waited: timedelta, team_name: str,
                   tz: tzinfo) -> str:
    """An unacknowledged alert reaching a supervisor or coordinator."""
    minutes = int(waited.total_seconds() // 60)
    return _sms(f"CMS ESCALATION #{number}: no ack after {minutes} min ({team_name})",
                f"{headline(incident)}. {place(incident)}", when(incident.occurred_at, tz),
                f"Reply {number}A to take it")


def need_sms(incident: Incident, number: int, who: str, team_name: str, text: str) -> str:
    """A member asks for support: their supervisor and the coordinators hear at once."""
    return _sms(f"CMS NEED SUPPORT #{number}: {who} ({team_name})", f'"{text}"',
                place(incident), f"Reply {number}A to respond")


def ack_notice(incident: Incident, number: int, who: str, team_name: str, at: datetime,
               tz: tzinfo) -> str:
    """Tells everyone else alerted that someone acknowledged, so no two go unknowingly."""
    return _sms(f"CMS #{number}: {who} ({team_name}) acknowledged at {clock_time(at, tz)}",
                place(incident), f"Reply {number}A if you are going too")


def cant_go_notice(incident: Incident, number: int, who: str, team_name: str) -> str:
    """Tells the others paged on the team that one of them cannot go, so someone else does."""
    return _sms(f"CMS #{number}: {who} ({team_name}) can't go. Reply {number}A if you can",
                place(incident))


def forwarded_sms(incident: Incident, number: int, who: str, team_name: str, text: str) -> str:
    """A text from a member with an alert open that cmsbot could not read: their supervisor
    reads it instead, so that nothing a member on scene sends falls silent."""
    quoted = " ".join(text.split())[:FORWARDED_CHARS] or "(no text)"
    return _sms(f"CMS: {who} ({team_name}) texted about #{number} {place(incident)}:",
                f"'{quoted}'", f"Reply {number}N to add a note")


def opt_out_notice(who: str, team_name: str, staff_number: str) -> str:
    """A member's STOP, told to their supervisor and the coordinators: alerts no longer reach
    them, and only the member can undo it."""
    return _sms(f"CMS: {who} ({team_name}) texted STOP and will get no CMS alerts.",
                f"They can text START to {staff_number} to receive alerts again.")


def opt_in_notice(who: str, team_name: str) -> str:
    """A member's START after a STOP: alerts reach them again."""
    return _sms(f"CMS: {who} ({team_name}) texted START and will get CMS alerts again.")


def cleared_sms(number: int, by: str, role: str) -> str:
    """To the member whose safety timer their supervisor (or a coordinator) ended."""
    return _sms(f"CMS: #{number}: {by} ({role}) checked you out; your safety timer is off.",
                f"Stay safe. If you are still on scene, reply {number}S.")


def clear_sms(number: int, result: ClearResult) -> str:
    """The answer to a supervisor's CLEAR (`number`: their own number for the alert)."""
    if result.refused:
        return "CMS: only a supervisor or coordinator can CLEAR"
    if result.cleared:
        return f"CMS: #{number}: {result.cleared} checked out; they are told."
    if not result.on_scene:
        return f"CMS: #{number}: nobody you can clear is on scene with a timer running."
    names = ", ".join(result.on_scene[:4])
    if result.wanted:
        return _sms(f"CMS: #{number}: which one? On scene: {names}. "
                    f"Reply CLEAR {number} and their name.")
    first = result.on_scene[0].split()[0]
    return _sms(f"CMS: #{number}: who? On scene: {names}. Reply CLEAR {number} {first}, say.")


def checkout_question(numbers: Sequence[int]) -> str:
    """A bare "ok" from a member with a safety timer running: ask, never check them out."""
    codes = " or ".join(f"{n}K" for n in numbers[:4])
    alerts = " or ".join(f"#{n}" for n in numbers[:4])
    return f"CMS: Check out of {alerts}? Reply {codes}"


def checkin_sms(incident: Incident, number: int, after: str, tz: tzinfo) -> str:
    """The follow-up check-in, a day or three after the shooting."""
    return _sms(f"CMS FOLLOW-UP #{number} ({after}): shooting {when(incident.occurred_at, tz)}",
                place(incident),
                f"How is it? Reply {number}N with an update, or {number}C outcome to close")


def followup_overdue_sms(incident: Incident, number: int, after: str, team_name: str) -> str:
    """A follow-up nobody answered, escalated."""
    return _sms(f"CMS FOLLOW-UP OVERDUE #{number} ({after}, {team_name}): no update yet",
                place(incident), f"Reply {number}N with an update or {number}C outcome")


def checkout_overdue_sms(incident: Incident, number: int, who: str, since: datetime,
                         tz: tzinfo) -> str:
    """A member on scene who has not checked out: their supervisor should call them."""
    return _sms(f"CMS SAFETY #{number}: {who} on scene since {clock_time(since, tz)}, "
                "no check-out", place(incident), "Please call them now")


def status_sms(alerts: Sequence[OpenAlert], tz: tzinfo) -> str:
    """STATUS: the member's open alerts, newest first."""
    if not alerts:
        return "CMS: you have no open alerts."
    lines = [f"#{a.number} {a.state} {place(a.incident)} {when(a.incident.occurred_at, tz)}"
             for a in alerts]
    return _sms(f"CMS open alerts ({len(alerts)}):", *lines)


def which_one_sms(alerts: Sequence[OpenAlert], code: str, word: str = "") -> str:
    """The number was left out but several alerts are open: ask which (`code` follows the
    number, "12A"; a `word` comes before it, "CLEAR 12")."""
    options = ", ".join(f"{word} {a.number}" if word else f"{a.number}{code}"
                        for a in alerts[:6])
    return _sms(f"CMS: you have {len(alerts)} open alerts. Which one? Reply {options}.")


def linked_line(hours: float, distance_m: float) -> str:
    """The retaliation warning added to an alert."""
    return f"POSSIBLE RETALIATION: {distance_m:.0f} m, {hours:.0f} h after another shooting"
