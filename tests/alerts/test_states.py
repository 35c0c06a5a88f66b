"""Every allowed move of every machine, a sample of refused ones, and the derived states."""

from datetime import UTC, datetime
from typing import Any

import pytest

from alerts.delivery_states import DELIVERY, FINAL, UNSENT, from_twilio
from alerts.states import (
    BROADCAST,
    CHAIN,
    DUPLICATE,
    INCIDENT,
    PAGE,
    STEP,
    ZONE,
    ChainState,
    Machine,
    PageState,
    chain_state,
    page_state,
)

MACHINES: dict[str, Machine[Any]] = {
    "incident": INCIDENT, "delivery": DELIVERY, "step": STEP, "broadcast": BROADCAST,
    "zone": ZONE, "page": PAGE, "chain": CHAIN, "duplicate": DUPLICATE,
}

# Spelled out by hand, not read from the tables: a move added or lost there fails here.
ALLOWED = {
    "incident": {("open", "acknowledged"), ("open", "on scene"), ("open", "closed"),
                 ("acknowledged", "on scene"), ("acknowledged", "closed"),
                 ("on scene", "closed"), ("open", "cancelled"), ("acknowledged", "cancelled"),
                 ("on scene", "cancelled"), ("closed", "cancelled"), ("open", "merged"),
                 ("acknowledged", "merged"), ("on scene", "merged")},
    "delivery": {("pending", "sending"), ("retry", "sending"), ("unsure", "sending"),
                 ("sending", "sending"), ("sending", "sent"), ("sending", "retry"),
                 ("sending", "unsure"), ("sending", "failed"), ("sent", "delivered"),
                 ("sent", "undelivered"), ("sent", "failed"), ("sent", "read"),
                 ("delivered", "read")},
    "step": {("scheduled", "scheduled"), ("scheduled", "past"), ("scheduled", "sent"),
             ("scheduled", "approval"), ("scheduled", "cancelled"), ("past", "scheduled"),
             ("past", "past"), ("past", "cancelled")},
    "broadcast": {("draft", "scheduled"), ("draft", "sending"), ("draft", "done"),
                  ("scheduled", "sending"), ("scheduled", "done"), ("sending", "done"),
                  ("draft", "withdrawn"), ("scheduled", "withdrawn")},
    "zone": {("pending", "pending"), ("pending", "active"), ("pending", "left"),
             ("active", "left"), ("left", "pending")},
    "page": {("new", "acked"), ("new", "on scene"), ("acked", "on scene"), ("on scene", "safe")},
    "chain": {("live", "live"), ("live", "finished"), ("live", "resolved"),
              ("finished", "resolved")},
    "duplicate": {("pending", "merged"), ("pending", "separate")},
}
STARTS = {"incident": {"open"}, "delivery": {"pending"}, "step": {"scheduled", "past"},
          "broadcast": {"draft"}, "zone": {"pending"}, "page": {"new"}, "chain": {"live"},
          "duplicate": {"pending"}}
REFUSED = [
    ("incident", "closed", "open"), ("incident", "on scene", "acknowledged"),
    ("incident", "closed", "closed"), ("incident", "cancelled", "open"),
    ("incident", "cancelled", "cancelled"), ("broadcast", "sending", "withdrawn"),
    ("broadcast", "withdrawn", "scheduled"), ("delivery", "delivered", "sent"),
    ("delivery", "sent", "sending"), ("delivery", "failed", "pending"),
    ("delivery", "undelivered", "delivered"), ("delivery", "pending", "sent"),
    ("delivery", "read", "delivered"), ("step", "sent", "scheduled"),
    ("step", "cancelled", "scheduled"), ("step", "past", "sent"), ("step", "approval", "sent"),
    ("broadcast", "done", "sending"), ("broadcast", "sending", "draft"),
    ("zone", "active", "pending"), ("zone", "left", "active"), ("page", "safe", "on scene"),
    ("page", "acked", "new"), ("chain", "resolved", "live"), ("chain", "finished", "live"),
    ("incident", "merged", "open"), ("incident", "closed", "merged"),
    ("duplicate", "merged", "separate"), ("duplicate", "separate", "pending"),
]


def every_pair(machine: Machine[Any]) -> list[tuple[str, str]]:
    return [(old.value, new.value) for old in machine.states for new in machine.states]


@pytest.mark.parametrize(("name", "old", "new"), [
    (name, old, new) for name, moves in ALLOWED.items() for old, new in sorted(moves)])
def test_each_allowed_move_is_allowed(name: str, old: str, new: str) -> None:
    assert MACHINES[name].can_move(old, new)


@pytest.mark.parametrize("name", MACHINES)
def test_every_other_move_is_refused(name: str) -> None:
    machine = MACHINES[name]
    allowed = {pair for pair in every_pair(machine) if machine.can_move(*pair)}
    assert allowed == ALLOWED[name]


@pytest.mark.parametrize(("name", "old", "new"), REFUSED)
def test_a_sample_of_refused_moves(name: str, old: str, new: str) -> None:
    assert not MACHINES[name].can_move(old, new)


@pytest.mark.parametrize("name", MACHINES)
def test_rows_start_only_in_their_first_states(name: str) -> None:
    machine = MACHINES[name]
    assert {s for s in machine.values() if machine.can_start(s)} == STARTS[name]


@pytest.mark.parametrize("name", MACHINES)
def test_every_state_can_be_reached_from_a_start(name: str) -> None:
    machine = MACHINES[name]
    reached, frontier = set(STARTS[name]), list(STARTS[name])
    while frontier:
        old = frontier.pop()
        for new in machine.values():
            if machine.can_move(old, new) and new not in reached:
                reached.add(new)
                frontier.append(new)
    assert reached == set(machine.values())


@pytest.mark.parametrize(("name", "new", "sources"), [
    ("delivery", "delivered", ("sent",)),
    ("delivery", "read", ("sent", "delivered")),
    ("delivery", "sending", ("pending", "sending", "retry", "unsure")),
    ("zone", "left", ("pending", "active")),
    ("incident", "on scene", ("open", "acknowledged")),
    ("broadcast", "draft", ()),
])
def test_sources_are_the_states_a_guarded_update_may_match(name: str, new: str,
                                                            sources: tuple[str, ...]) -> None:
    assert MACHINES[name].sources(new) == sources


def test_a_word_that_is_no_state_is_an_error_not_a_refusal() -> None:
    with pytest.raises(ValueError, match="queued"):
        DELIVERY.can_move("queued", "sent")
    with pytest.raises(ValueError, match="reopened"):
        INCIDENT.can_move("closed", "reopened")


def test_a_table_that_forgets_a_state_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="finished"):
        Machine(ChainState, frozenset({ChainState.LIVE}),
                {ChainState.LIVE: frozenset(), ChainState.RESOLVED: frozenset()})


def test_states_compare_equal_to_the_strings_stored_before_them() -> None:
    assert INCIDENT.states("on scene") == "on scene"
    assert f"{PageState.ON_SCENE}" == "on scene"
    assert {"sending": 1}[DELIVERY.states.SENDING] == 1


def test_a_delivery_is_final_once_no_attempt_is_left_to_make() -> None:
    assert set(FINAL) == {"sent", "delivered", "undelivered", "failed", "read"}
    assert set(UNSENT) == {"pending", "sending", "retry", "unsure"}


@pytest.mark.parametrize(("twilio", "ours"), [
    ("sent", "sent"), ("delivered", "delivered"), ("undelivered", "undelivered"),
    ("failed", "failed"), ("read", "read"), ("DELIVERED", "delivered"),
    # Before "sent", inbound, or not ours: they move nothing. Twilio's "sending" above all
    # must not become ours, which means a worker holds the claim.
    ("queued", None), ("accepted", None), ("scheduled", None), ("sending", None),
    ("receiving", None), ("received", None), ("canceled", None),
    ("partially_delivered", None), ("", None),
])
def test_twilio_statuses_map_onto_the_delivery_machine(twilio: str, ours: str | None) -> None:
    assert from_twilio(twilio) == ours


AT = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(("acked", "on_scene", "safe", "state"), [
    (None, None, None, "new"), (AT, None, None, "acked"), (AT, AT, None, "on scene"),
    (AT, AT, AT, "safe"),
])
def test_a_pages_state_is_read_from_its_timestamps(acked: datetime | None,
                                                   on_scene: datetime | None,
                                                   safe: datetime | None, state: str) -> None:
    assert page_state(acked, on_scene, safe) == state


@pytest.mark.parametrize(("resolved", "next_at", "state"), [
    (None, AT, "live"), (None, None, "finished"), (AT, None, "resolved"),
])
def test_a_chains_state_is_read_from_its_columns(resolved: datetime | None,
                                                 next_at: datetime | None, state: str) -> None:
    assert chain_state(resolved, next_at) == state
