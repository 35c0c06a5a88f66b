"""Takedown plans as coordinators read them in Slack: the schedule, the next step, the timeline."""

from __future__ import annotations

from datetime import tzinfo

from alerts.render import when
from alerts.slack_blocks import bullet_list, escape
from alerts.states import StepStatus
from alerts.takedown_plans import PlanView

_STATUS = {StepStatus.SCHEDULED: "scheduled", StepStatus.SENT: "sent",
           StepStatus.PAST: "PAST, not sent",
           StepStatus.APPROVAL: "sent to coordinators for approval",
           StepStatus.CANCELLED: "cancelled"}


def schedule_text(view: PlanView, tz: tzinfo) -> str:
    """The whole plan, step by step."""
    plan = view.plan
    heading = (f"*{plan.name}*: post-takedown outreach in {escape(plan.area_label)} from "
               f"{plan.date:%a %-m/%-d} for {', '.join(plan.teams)} ({view.status})")
    if plan.note:
        heading += f"\n_{escape(plan.note)}_"
    lines = [f"Day {(s.at.astimezone(tz).date() - plan.date).days} {when(s.at, tz)}, "
             f"{s.team_id}{' (residents)' if s.audience == 'residents' else ''}: "
             f"{_STATUS[s.status]}{' LATE' if s.late else ''}"
             for s in view.steps]
    past = sum(1 for s in view.steps if s.status == StepStatus.PAST)
    footer = (f"\n{past} steps were already past: they go out only if you press "
              "*Send them now*." if past else "")
    return f"{heading}\n{bullet_list(lines)}{footer}"


def list_text(views: list[PlanView], tz: tzinfo) -> str:
    """Every visible plan with its next step."""
    if not views:
        return "No takedown plans."
    lines = []
    for view in views:
        following = view.next_step
        upcoming = f"next: {when(following.at, tz)} to {following.team_id}" if following \
            else view.status
        lines.append(f"*{view.plan.name}* {escape(view.plan.area_label)}, "
                     f"{view.plan.date:%a %-m/%-d}: {upcoming}")
    return "*Takedown plans*\n" + bullet_list(lines)


def timeline_text(view: PlanView, tz: tzinfo) -> str:
    """A plan and everything that happened on it, reports included."""
    entries = [f"{when(e['at'], tz)} {escape(e['actor'])}: {escape(e['action'])}"
               + (f" ({escape(str(e['detail'])[:200])})" if e["detail"] else "")
               for e in view.timeline]
    return schedule_text(view, tz) + "\n*Timeline*\n" + (bullet_list(entries) or "nothing yet")
