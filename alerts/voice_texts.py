"""What a call says, and which keys it gathers: spoken, so words rather than codes.

A call never names a victim (incidents carry no names) and its voicemail says only that an
alert waits: a voicemail box may be heard by anyone in the room.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from alerts.action_results import ActionResult, Effect
from alerts.incident import Incident
from alerts.render import clock_time, victim_count

VoiceKey = Literal["ack", "scene", "cant", "heard", "repeat"]

# The keys each kind of call gathers. A team alert (the repage and an escalation) is answered
# like the SMS; a safety call is heard by the person it wakes; an SOS call is acknowledged with
# one key, as its 4A would: the calls stop and the member is told someone has them.
_ALERT_KEYS: Mapping[str, VoiceKey] = {"1": "ack", "2": "scene", "3": "cant", "9": "repeat"}
_HEARD_KEYS: Mapping[str, VoiceKey] = {"1": "heard", "9": "repeat"}
_SOS_KEYS: Mapping[str, VoiceKey] = {"1": "ack", "9": "repeat"}
KEYS: Mapping[str, Mapping[str, VoiceKey]] = {
    "repage": _ALERT_KEYS, "escalation": _ALERT_KEYS, "checkout": _HEARD_KEYS, "sos": _SOS_KEYS,
}
_ALERT_PROMPT = ("Press 1 to acknowledge, 2 if you are on scene, 3 if you can't go, "
                 "or 9 to hear this again.")
_PROMPTS = {"repage": _ALERT_PROMPT, "escalation": _ALERT_PROMPT,
            "checkout": "Press 1 if you are on it, or 9 to hear this again.",
            "sos": "Press 1 to acknowledge this S O S, or 9 to hear this again."}


def keys_for(kind: str) -> Mapping[str, VoiceKey]:
    """The digits a call of this kind understands (only 9, repeat, for any other kind)."""
    return KEYS.get(kind, {"9": "repeat"})


def prompt(kind: str) -> str:
    """What to press, said after the message."""
    return _PROMPTS.get(kind, "Press 9 to hear this again.")


def alert_call(incident: Incident, number: int, team_name: str, tz: tzinfo) -> str:
    """The repage: the alert a member has not acknowledged by text, said aloud."""
    return _script(f"This is the Crisis Management System with alert number {number} for "
                   f"{team_name}.", _said(incident, tz), prompt("repage"))


def escalation_call(incident: Incident, number: int, waited: timedelta, team_name: str,
                    tz: tzinfo) -> str:
    """An unacknowledged alert reaching a supervisor or coordinator by phone."""
    minutes = int(waited.total_seconds() // 60)
    return _script(f"This is the Crisis Management System. Alert number {number} for "
                   f"{team_name} has no acknowledgement after {minutes} minutes.",
                   _said(incident, tz), prompt("escalation"))


def checkout_call(incident: Incident, number: int, who: str, since: datetime,
                  tz: tzinfo) -> str:
    """A member on scene who has not checked out: the supervisor is woken to call them."""
    return _script(f"This is the Crisis Management System, a safety call about alert number "
                   f"{number}. {who} has been on scene at {_where(incident)} since "
                   f"{_spoken_time(since, tz)} and has not checked out. Please call them now.",
                   prompt("checkout"))


def sos_call(who: str, team_name: str, text: str, last_scene: str | None) -> str:
    """A member's SOS: who, what they wrote, and where they were last on scene."""
    scene = f" Their last scene was {last_scene}." if last_scene else ""
    said = f' They wrote: "{text}".' if text else ""
    return _script(f"This is the Crisis Management System with an S O S. {who} of {team_name} "
                   f"needs help now.{said}{scene} Call them or go to them.", prompt("sos"))


def voicemail(team_name: str) -> str:
    """Left on an answering machine: no place, no details; the page stays unacknowledged."""
    return (f"This is the Crisis Management System for {team_name}. An alert is waiting for "
            "you. Please check your texts now.")


def _said(incident: Incident, tz: tzinfo) -> str:
    kind = "A fatal shooting" if incident.fatal else "A shooting"
    return (f"{kind}, {victim_count(incident.victims)}, near {_where(incident)}, at "
            f"{_spoken_time(incident.occurred_at, tz)}.")


def _where(incident: Incident) -> str:
    parts = [incident.location.title() if incident.location else "a place not given"]
    if incident.precinct is not None:
        parts.append(f"precinct {incident.precinct}")
    if incident.borough:
        parts.append(incident.borough.title())
    return ", ".join(parts)


def _spoken_time(moment: datetime, tz: tzinfo) -> str:
    spoken = clock_time(moment, tz)
    return spoken[:-2] + (" A M" if spoken.endswith("AM") else " P M")


def _script(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def spoken_result(result: ActionResult) -> str:
    """What a call says after a key acted on the alert, before it hangs up."""
    if result.effect is Effect.REFUSED:
        return f"That could not be done: {result.reason}. Please text your reply instead."
    n = result.number
    if result.action == "ack" and result.sos:
        return "You have the S O S. They are told you got it. Call them now. Goodbye."
    if result.action == "ack":
        return f"Acknowledged alert number {n}. Thank you. Goodbye."
    if result.action == "scene":
        return (f"You are on scene for alert number {n}. Text {n} K when you leave, so your "
                "team knows you are safe. Goodbye.")
    return f"Your team is told you can't go to alert number {n}. Goodbye."
