"""What a staff action did, as a value: the SMS reply and the Slack confirmation both render it.

An action on an alert either changed it, found it already done (a repeat: nothing written, no
redraw needed), or was refused with a reason. Each channel words the result its own way, from
the same value; nothing decides a reply by reading another reply's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Literal, TypeGuard

from alerts.render import clock_time
from alerts.slack_blocks import escape

StaffAction = Literal["ack", "scene", "note", "need", "close", "safe", "cant", "extend"]
STAFF_ACTIONS: tuple[StaffAction, ...] = ("ack", "scene", "note", "need", "close", "safe", "cant",
                                          "extend")


def is_staff_action(name: str) -> TypeGuard[StaffAction]:
    """Whether `name` is an action on an alert (not `status` or `help`)."""
    return name in STAFF_ACTIONS


class Effect(StrEnum):
    """What became of an action."""

    CHANGED = "changed"
    REPEAT = "repeat"  # already done: nothing was written
    REFUSED = "refused"  # not possible now; `reason` says why


@dataclass(frozen=True)
class ActionResult:
    """One action on one alert (`number` is the actor's short number for it)."""

    action: StaffAction
    effect: Effect
    number: int
    takedown: bool = False  # a post-takedown reminder: confirm and report, not acknowledge
    sos: bool = False  # a member's SOS: acknowledging it means "I have them"
    at: datetime | None = None  # when the member arrived on scene
    checkout_minutes: int | None = None  # when the safety check-out falls due
    outcome: str = ""  # the outcome a close recorded
    reminder_done: bool = False  # a takedown reminder confirmed and reported: finished
    supervisor_told: bool = False  # a support request reached a supervisor too
    reason: str = ""  # why it was refused
    escalated: bool = False  # a "can't go" pulled the team's next escalation step forward
    until: datetime | None = None  # when an extended safety check-out now falls due

    @property
    def changed(self) -> bool:
        """Whether anything was written (and the Slack posts need a redraw)."""
        return self.effect is Effect.CHANGED


def sms_reply(result: ActionResult, tz: tzinfo) -> str:
    """The text sent back to the member who acted by SMS."""
    n = result.number
    if result.effect is Effect.REPEAT:
        return {
            "ack": f"CMS: #{n} was already acknowledged. Reply {n}S when on scene.",
            "scene": f"CMS: #{n} was already marked on scene. Reply {n}K when you leave.",
            "cant": f"CMS: #{n}: we already know you can't go.",
        }.get(result.action, f"CMS: #{n}: already done.")
    if result.effect is Effect.REFUSED:
        hint = {"safe": f" Reply {n}S when you arrive on scene.",
                "extend": f" Reply {n}K when you leave."}.get(result.action, "")
        return f"CMS: #{n}: {result.reason}.{hint}"
    if result.action == "ack":
        if result.takedown:
            return f"CMS: #{n} confirmed. Reply {n}N with a short report."
        if result.sos:
            return f"CMS: SOS #{n} is yours: they are told you got it. Call them now."
        return f"CMS: #{n} acknowledged. Reply {n}S when on scene, {n}N to add a note."
    if result.action == "scene":
        at = clock_time(result.at, tz) if result.at else "now"
        limit = f" (we check at {result.checkout_minutes} min)" \
            if result.checkout_minutes is not None else ""
        return f"CMS: #{n} on scene at {at}. Stay safe. Reply {n}K when you leave{limit}."
    if result.action == "note":
        if result.reminder_done:
            return f"CMS: report added to #{n}; this reminder is done. Thank you."
        return f"CMS: note added to #{n}."
    if result.action == "need":
        told = "your supervisor and " if result.supervisor_told else ""
        return f"CMS: support request for #{n} sent to {told}the coordinators."
    if result.action == "close":
        return f"CMS: #{n} closed ({result.outcome}). Thank you."
    if result.action == "cant":
        told = "escalating now, " if result.escalated else ""
        return f"CMS: #{n}: noted, you can't go; {told}the others are told."
    if result.action == "extend":
        at = clock_time(result.until, tz) if result.until else "later"
        return f"CMS: #{n}: check-out now due at {at}. Reply {n}K when you leave."
    return f"CMS: #{n} checked out. Glad you're safe."


def slack_reply(result: ActionResult, incident_id: str, tz: tzinfo) -> str:
    """The ephemeral confirmation shown to whoever acted in Slack."""
    if not result.changed:
        return sms_reply(result, tz).removeprefix("CMS: ")
    shown = f"`{escape(incident_id)}`"
    return {
        "ack": f"You acknowledged {shown}. Your team and the others alerted have been told.",
        "scene": f"You are on scene at {shown}. The safety check-out timer is running.",
        "note": f"Note added to {shown}.",
        "need": f"Support requested for {shown}: your supervisor and the coordinators are told.",
        "close": f"{shown} closed ({result.outcome}).",
        "safe": f"You checked out of {shown}.",
        "cant": f"Noted: you can't go to {shown}. The others alerted are told.",
        "extend": f"Your check-out for {shown} is extended.",
    }[result.action]
