"""Every stored state as a type, with the moves the code may make between states.

A machine is a `StrEnum` (a member equals the string stored in the database, so string
comparisons keep working) and a `Machine`: the states a row is created in and the moves
allowed from each state. The database refuses any value outside an enum: bot/store/schema.py
builds its CHECK constraints from these enums. Pages and chains keep no status column: their
state is derived from their timestamps (`page_state`, `chain_state`). Deliveries, the machine
with a provider in it, are in alerts/delivery_states.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True, eq=False)
class Machine(Generic[S]):
    """One state machine: the states a row starts in and the moves allowed from each state."""

    states: type[S]
    starts: frozenset[S]
    moves: Mapping[S, frozenset[S]]

    def __post_init__(self) -> None:
        # An incomplete table would quietly refuse every move out of the state it forgot.
        missing = set(self.states) - set(self.moves)
        if missing:
            raise ValueError(f"{self.states.__name__}: no moves listed for {sorted(missing)}")

    def can_start(self, state: str) -> bool:
        """Whether a new row may be created in `state`."""
        return self.states(state) in self.starts

    def can_move(self, old: str, new: str) -> bool:
        """Whether a row in `old` may be changed to `new` (ValueError for a non-state)."""
        return self.states(new) in self.moves[self.states(old)]

    def sources(self, new: str) -> tuple[S, ...]:
        """The states a row may move to `new` from, for an UPDATE ... WHERE status IN (...)."""
        target = self.states(new)
        return tuple(old for old in self.states if target in self.moves[old])

    def values(self) -> tuple[str, ...]:
        """Every state's stored value, in declaration order."""
        return tuple(state.value for state in self.states)


def _moves(table: Mapping[S, Iterable[S]]) -> dict[S, frozenset[S]]:
    return {state: frozenset(targets) for state, targets in table.items()}


class IncidentStatus(StrEnum):
    """incidents.status: the incident as a whole, across every team paged for it."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ON_SCENE = "on scene"
    CLOSED = "closed"
    CANCELLED = "cancelled"  # unfounded or a duplicate: no shooting to respond to
    MERGED = "merged"  # a second report of another incident's shooting, joined to it


INCIDENT = Machine(IncidentStatus, frozenset({IncidentStatus.OPEN}), _moves({
    IncidentStatus.OPEN: {IncidentStatus.ACKNOWLEDGED, IncidentStatus.ON_SCENE,
                          IncidentStatus.CLOSED, IncidentStatus.CANCELLED, IncidentStatus.MERGED},
    IncidentStatus.ACKNOWLEDGED: {IncidentStatus.ON_SCENE, IncidentStatus.CLOSED,
                                  IncidentStatus.CANCELLED, IncidentStatus.MERGED},
    IncidentStatus.ON_SCENE: {IncidentStatus.CLOSED, IncidentStatus.CANCELLED,
                              IncidentStatus.MERGED},
    # A closed report can still turn out unfounded: cancelling it takes it out of the counts.
    IncidentStatus.CLOSED: {IncidentStatus.CANCELLED},
    IncidentStatus.CANCELLED: set(),
    IncidentStatus.MERGED: set(),
}))


class DuplicateDecision(StrEnum):
    """possible_duplicates.decision: what the coordinators made of a second report."""

    PENDING = "pending"  # held: the teams already paged for the first are not paged for it
    MERGED = "merged"
    SEPARATE = "separate"  # a shooting of its own: paged and linked like any other


DUPLICATE = Machine(DuplicateDecision, frozenset({DuplicateDecision.PENDING}), _moves({
    DuplicateDecision.PENDING: {DuplicateDecision.MERGED, DuplicateDecision.SEPARATE},
    DuplicateDecision.MERGED: set(),
    DuplicateDecision.SEPARATE: set(),
}))


class StepStatus(StrEnum):
    """takedown_steps.status: one playbook step for one team."""

    SCHEDULED = "scheduled"
    PAST = "past"  # its time had gone when it was planned or moved: sent only if confirmed
    SENT = "sent"
    APPROVAL = "approval"  # a residents step, handed to the coordinators as a broadcast
    CANCELLED = "cancelled"


STEP = Machine(StepStatus, frozenset({StepStatus.SCHEDULED, StepStatus.PAST}), _moves({
    # A plan moved to another date rewrites each waiting step: scheduled or past again.
    StepStatus.SCHEDULED: {StepStatus.SCHEDULED, StepStatus.PAST, StepStatus.SENT,
                           StepStatus.APPROVAL, StepStatus.CANCELLED},
    StepStatus.PAST: {StepStatus.SCHEDULED, StepStatus.PAST, StepStatus.CANCELLED},
    StepStatus.SENT: set(),
    StepStatus.APPROVAL: set(),
    StepStatus.CANCELLED: set(),
}))


class BroadcastStatus(StrEnum):
    """broadcasts.status: a resident broadcast from draft to its last batch."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # an area notice whose incident was cancelled before it went


BROADCAST = Machine(BroadcastStatus, frozenset({BroadcastStatus.DRAFT}), _moves({
    # Confirmed with nobody signed up, a broadcast is done at once.
    BroadcastStatus.DRAFT: {BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING,
                            BroadcastStatus.DONE, BroadcastStatus.WITHDRAWN},
    BroadcastStatus.SCHEDULED: {BroadcastStatus.SENDING, BroadcastStatus.DONE,
                                BroadcastStatus.WITHDRAWN},
    BroadcastStatus.SENDING: {BroadcastStatus.DONE},
    BroadcastStatus.DONE: set(),
    BroadcastStatus.WITHDRAWN: set(),
}))


class ZoneStatus(StrEnum):
    """resident_zones.status: a resident's consent to one area's texts."""

    PENDING = "pending"  # asked, not yet confirmed with YES
    ACTIVE = "active"
    LEFT = "left"


ZONE = Machine(ZoneStatus, frozenset({ZoneStatus.PENDING}), _moves({
    ZoneStatus.PENDING: {ZoneStatus.PENDING, ZoneStatus.ACTIVE, ZoneStatus.LEFT},
    ZoneStatus.ACTIVE: {ZoneStatus.LEFT},
    ZoneStatus.LEFT: {ZoneStatus.PENDING},  # asked again: a fresh consent record
}))


class InboundState(StrEnum):
    """inbound_messages.state: an SMS to one of our numbers, kept before it is acted on."""

    RECEIVED = "received"  # durable; its webhook is acting on it
    DEFERRED = "deferred"  # durable, left for a worker (no time or no room in the webhook)
    HANDLED = "handled"  # acted on once, its reply kept


INBOUND = Machine(InboundState, frozenset({InboundState.RECEIVED, InboundState.DEFERRED}),
                  _moves({
                      InboundState.RECEIVED: {InboundState.DEFERRED, InboundState.HANDLED},
                      InboundState.DEFERRED: {InboundState.HANDLED},
                      InboundState.HANDLED: set(),
                  }))


class AnsweredVia(StrEnum):
    """inbound_messages.answered_via: how the reply reached the sender (NULL: none was due)."""

    TWIML = "twiml"  # in the webhook's own answer
    SMS = "sms"  # as an ordinary SMS, after an answer without it (deferred, or the web died)


class PageState(StrEnum):
    """What a paged person last said, derived from the page's timestamps."""

    NEW = "new"
    ACKED = "acked"
    ON_SCENE = "on scene"
    SAFE = "safe"


PAGE = Machine(PageState, frozenset({PageState.NEW}), _moves({
    PageState.NEW: {PageState.ACKED, PageState.ON_SCENE},  # on scene counts as acknowledging
    PageState.ACKED: {PageState.ON_SCENE},
    PageState.ON_SCENE: {PageState.SAFE},
    PageState.SAFE: set(),
}))


def page_state(acked_at: datetime | None, on_scene_at: datetime | None,
               safe_at: datetime | None) -> PageState:
    """The page's state from its timestamps (the database keeps them in this order)."""
    if safe_at is not None:
        return PageState.SAFE
    if on_scene_at is not None:
        return PageState.ON_SCENE
    return PageState.ACKED if acked_at is not None else PageState.NEW


class ChainState(StrEnum):
    """Where a chain (escalation, follow-up, check-out) stands, derived from its columns."""

    LIVE = "live"  # a step still to run at next_at
    FINISHED = "finished"  # every step ran and nobody answered
    RESOLVED = "resolved"  # stopped: acknowledged, answered or closed


CHAIN = Machine(ChainState, frozenset({ChainState.LIVE}), _moves({
    ChainState.LIVE: {ChainState.LIVE, ChainState.FINISHED, ChainState.RESOLVED},
    ChainState.FINISHED: {ChainState.RESOLVED},  # closing the incident resolves it too
    ChainState.RESOLVED: set(),
}))


def chain_state(resolved_at: datetime | None, next_at: datetime | None) -> ChainState:
    """The chain's state from its columns (a resolved chain has no next step)."""
    if resolved_at is not None:
        return ChainState.RESOLVED
    return ChainState.LIVE if next_at is not None else ChainState.FINISHED
