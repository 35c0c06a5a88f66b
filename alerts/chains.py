"""Chains: the timed steps that make sure someone answers.

An alert's chain escalates until enough of the team acknowledge; a follow-up's chain sends the
check-in and escalates until someone writes a note or closes; a safety chain tells the
supervisor when a member on scene has not checked out. Each step's time is counted from the
chain's start, and each step runs at most once: `next_step` says which one is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from alerts.contacts import BOTH, SMS_ONLY, Contact
from alerts.durations import format_duration
from alerts.on_call import coordinator_on_call, supervisor_on_call
from alerts.overrides import on_duty
from alerts.roster import COORDINATORS
from alerts.routine_hours import next_opening, routine_times
from alerts.routing import Recipient
from alerts.sites import Escalation, Member, Sites, Team

# "repage": a live alert's call to the members paged who have not acknowledged it, a chain of
# its own so that a can't-go or an undelivered text still pulls the escalation forward.
# "sos": a member's SOS, repeated to the next coordinator in turn ("rota") until acknowledged.
ChainKind = Literal["alert", "repage", "followup", "checkout", "sos"]
# "oncall": the coordinator on call, where the coordinators rotate (alerts.rotations), and
# "others": the rest of them, later.
StepAction = Literal["checkin", "supervisor", "coordinators", "oncall", "others", "team",
                     "repage", "rota"]


@dataclass(frozen=True)
class ChainStep:
    """Do `action` when `after` has passed since the chain started, reaching people `via`."""

    after: timedelta
    action: StepAction
    via: tuple[Contact, ...] = SMS_ONLY


@dataclass(frozen=True)
class Due:
    """A chain step to (re)schedule: run `step` of chain `chain_id` at `at`."""

    chain_id: int
    step: int
    at: datetime


@dataclass(frozen=True)
class ChainPlan:
    """A chain to store: what it is about, when it starts, and its steps."""

    kind: ChainKind
    team_id: str
    subject: str
    started_at: datetime
    steps: tuple[ChainStep, ...]

    @property
    def first_at(self) -> datetime | None:
        """When its first step is due (None: a chain with no steps never runs)."""
        return self.started_at + self.steps[0].after if self.steps else None


def alert_chain(team: Team, alerted_at: datetime, sites: Sites | None = None) -> ChainPlan:
    """Escalation of a team's alert, per the team's policy (and the coordinators' rotation)."""
    steps = [ChainStep(step.after, step.notify, step.via) for step in team.escalation.steps]
    return ChainPlan("alert", team.id, "", alerted_at, rotation_first(steps, sites))


def rotation_first(steps: Sequence[ChainStep], sites: Sites | None) -> tuple[ChainStep, ...]:
    """Steps with each step to the coordinators split in two when they rotate: the coordinator
    on call first, the rest of them `escalate_after` later (a step that never runs once
    enough people acknowledge)."""
    rotation = sites.rotations.get(COORDINATORS) if sites is not None else None
    if rotation is None:
        return tuple(steps)
    split: list[ChainStep] = []
    for step in steps:
        if step.action == "coordinators":
            split.append(replace(step, action="oncall"))
            split.append(replace(step, action="others",
                                 after=step.after + rotation.escalate_after))
        else:
            split.append(step)
    return tuple(sorted(split, key=lambda s: s.after))  # stable: equal times keep their order


def repage_chain(team: Team, alerted_at: datetime) -> ChainPlan | None:
    """The call to those who have not acknowledged a live alert, `repage_after` it went out
    (None: the team takes no calls)."""
    if team.repage_after is None:
        return None
    return ChainPlan("repage", team.id, "", alerted_at,
                     (ChainStep(team.repage_after, "repage", ("voice",)),))


def followup_chains(team: Team, alerted_at: datetime, tz: tzinfo) -> list[ChainPlan]:
    """One chain per follow-up: the check-in at its time, moved into the team's routine hours,
    then the team's routine escalation from there (never outside routine hours)."""
    return [routine_chain("followup", team, _hours(delay), alerted_at + delay, tz)
            for delay in team.followups]


def reminder_chain(team: Team, sent_at: datetime, tz: tzinfo) -> ChainPlan:
    """Escalation of a takedown reminder sent at `sent_at`: routine, like a follow-up's."""
    return ChainPlan("alert", team.id, "", sent_at, _routine_steps(team, sent_at, tz))


def routine_chain(kind: ChainKind, team: Team, subject: str, due: datetime,
                  tz: tzinfo) -> ChainPlan:
    """A check-in due at `due`, sent at the next opening of routine hours, then its escalation."""
    start = next_opening(due, team.routine_hours, tz)
    return ChainPlan(kind, team.id, subject, start,
                     (ChainStep(timedelta(0), "checkin"), *_routine_steps(team, start, tz)))


def _routine_steps(team: Team, start: datetime, tz: tzinfo) -> tuple[ChainStep, ...]:
    # Steps are stored as offsets from the chain's start: each moment is placed here in local
    # wall-clock time (DST included) and kept exactly. Counted from the first moment in routine
    # hours, so a reminder sent at night escalates from the morning, not from the night.
    first = next_opening(start, team.routine_hours, tz)
    times = routine_times(first, team.routine_escalation, team.routine_hours, tz)
    return tuple(ChainStep(at - start.astimezone(UTC), step.notify)
                 for at, step in zip(times, team.routine_escalation, strict=True))


def _hours(delay: timedelta) -> str:
    # "24h" and "72h" read better than "1d" and "3d" in a check-in.
    seconds = int(delay.total_seconds())
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else format_duration(delay)


def checkout_chain(team: Team, phone: str, on_scene_at: datetime) -> ChainPlan:
    """The safety timer started when a member goes on scene: when it runs out the supervisor
    is texted and called, and `checkout_escalation` later the coordinators are."""
    return ChainPlan("checkout", team.id, phone, on_scene_at, _timer_steps(team,
                                                                           team.safety_checkout))


def _timer_steps(team: Team, due: timedelta) -> tuple[ChainStep, ...]:
    return (ChainStep(due, "supervisor", BOTH),
            ChainStep(due + team.checkout_escalation, "coordinators", BOTH))


SOS_REPEAT = timedelta(minutes=2)
SOS_REPEATS = 45  # an hour and a half of calls, one coordinator after another


def sos_chain(team_id: str, phone: str, raised_at: datetime) -> ChainPlan:
    """After the first calls to everyone, an SOS rings the next coordinator in turn every
    `SOS_REPEAT` until someone acknowledges it (`phone`: the member who raised it)."""
    return ChainPlan("sos", team_id, phone, raised_at,
                     tuple(ChainStep(SOS_REPEAT * n, "rota", BOTH)
                           for n in range(1, SOS_REPEATS + 1)))


def rota_turn(step: int, sites: Sites, team: Team | None, raised_by: str,
              now: datetime) -> list[Recipient]:
    """Whose turn step `step` of an SOS chain is: the coordinators one by one in the sites
    file's order (the one on call first), round and round (the supervisors, when there is no
    other coordinator)."""
    people = [p for p in step_recipients("coordinators", team, sites, now) if p.phone != raised_by]
    on_call = coordinator_on_call(sites, now)
    people.sort(key=lambda p: on_call is None or p.phone != on_call.phone)  # on call: first turn
    if not people and team is not None:
        people = [p for p in step_recipients("supervisor", team, sites, now)
                  if p.phone != raised_by and p.role == "supervisor"]
    return [people[step % len(people)]] if people else []


def extended(chain_steps: Sequence[ChainStep], started_at: datetime, at: datetime,
             team: Team | None) -> tuple[ChainStep, ...]:
    """A check-out chain's steps with the timer again, due at `at`: new steps (and so new
    jobs) rather than the old ones moved, so the jobs already scheduled find themselves stale.
    Without the team (gone from the sites file), its last step again."""
    if team is None:
        last = chain_steps[-1]
        return (*chain_steps, ChainStep(at - started_at, last.action, last.via))
    return (*chain_steps, *_timer_steps(team, at - started_at))


def steps_to_json(steps: Sequence[ChainStep]) -> list[list[object]]:
    """Steps as stored: [[seconds, action, [via, ...]], ...]."""
    return [[int(step.after.total_seconds()), step.action, list(step.via)] for step in steps]


def steps_from_json(data: object) -> tuple[ChainStep, ...]:
    """The inverse of `steps_to_json`."""
    if not isinstance(data, list):
        return ()
    # Steps stored before calls existed have no via: they were texts.
    return tuple(ChainStep(timedelta(seconds=int(item[0])), item[1],
                           tuple(item[2]) if len(item) > 2 else SMS_ONLY) for item in data)


def step_recipients(action: StepAction, team: Team | None, sites: Sites, now: datetime,
                    responders: Sequence[str] = ()) -> list[Recipient]:
    """Who a step reaches. Nobody is ever left out: an empty answer falls back to coordinators."""
    local = now.astimezone(sites.tz)
    people: list[Recipient] = []
    if team is not None and action == "supervisor":
        people = _supervisors(team, sites, now, local)
    elif team is not None and action == "team":
        people = [_person(m, team, "team escalation") for m in team.members]
    elif team is not None and action == "checkin":
        by_phone = {m.phone: m for m in team.members}
        people = [_person(by_phone[p], team, "responded") for p in responders if p in by_phone]
        people = people or _supervisors(team, sites, now, local)
    if action == "oncall":
        on_call = coordinator_on_call(sites, now)
        if on_call is not None and on_call.phone:
            people = [Recipient(on_call.phone, on_call.name, "coordinator",
                                team.id if team else None, "coordinator on call")]
    if action in ("coordinators", "others") or not people:  # a turn nobody has: all of them
        on_call = coordinator_on_call(sites, now) if action == "others" else None
        people = [Recipient(c.phone, c.name, "coordinator", team.id if team else None,
                            "coordinators step") for c in sites.coordinators
                  if c.phone and c != on_call]
    unique: dict[str, Recipient] = {}
    for person in people:
        unique.setdefault(person.phone, person)
    return list(unique.values())


def _supervisors(team: Team, sites: Sites, now: datetime, local: datetime) -> list[Recipient]:
    rotating = supervisor_on_call(team, sites, now)
    if rotating is not None:
        return [_person(rotating, team, "supervisor on call")]
    # A supervisor on leave (OFF) or covered for is skipped while another is on.
    working = [m for m in team.supervisors
               if on_duty(m.name, m.shifts, team.id, sites.overrides, now, local)]
    return [_person(m, team, "supervisor") for m in working or team.supervisors]


def _person(member: Member, team: Team, reason: str) -> Recipient:
    return Recipient(member.phone, member.name, member.role, team.id, reason)


def required_acks(escalation: Escalation) -> int:
    """How many acknowledgements stop a team's alert from escalating."""
    return max(escalation.required_acks, 1)

