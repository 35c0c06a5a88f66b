"""Takedown plans as stored values: the plan, its steps, and what people read of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from alerts.states import StepStatus


@dataclass(frozen=True)
class Plan:
    """A takedown plan."""

    id: int
    area: str
    area_label: str
    date: date
    note: str
    playbook: str
    teams: tuple[str, ...]
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None

    @property
    def name(self) -> str:
        """How people refer to it: TD-7."""
        return f"TD-{self.id}"


@dataclass(frozen=True)
class Step:
    """One playbook step for one team."""

    id: int
    takedown_id: int
    position: int
    team_id: str
    audience: str
    at: datetime
    text: str
    status: StepStatus
    late: bool
    sent_at: datetime | None
    subject_id: str | None


@dataclass(frozen=True)
class PlanView:
    """A plan with its steps and, when asked for, its whole timeline."""

    plan: Plan
    steps: list[Step]
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @property
    def next_step(self) -> Step | None:
        """The next step still to go out."""
        waiting = [s for s in self.steps if s.status == StepStatus.SCHEDULED]
        return min(waiting, key=lambda s: s.at) if waiting else None

    @property
    def status(self) -> str:
        """cancelled, done, or active."""
        if self.plan.cancelled_at:
            return "cancelled"
        waiting = (StepStatus.SCHEDULED, StepStatus.PAST)
        return "active" if any(s.status in waiting for s in self.steps) else "done"

    def to_json(self) -> dict[str, Any]:
        """For the API."""
        return {
            "id": self.plan.name, "area": self.plan.area, "area_label": self.plan.area_label,
            "date": self.plan.date.isoformat(), "note": self.plan.note,
            "teams": list(self.plan.teams), "status": self.status,
            "created_by": self.plan.created_by, "created_at": self.plan.created_at,
            "steps": [{"id": s.id, "position": s.position, "team": s.team_id,
                       "to": s.audience, "at": s.at, "status": s.status, "late": s.late,
                       "sent_at": s.sent_at, "text": s.text} for s in self.steps],
            "timeline": self.timeline,
        }
