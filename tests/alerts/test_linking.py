"""Possible retaliation: within 72 hours and 500 metres of an open shooting."""

import pytest

from alerts.incident import parse_incident
from alerts.linking import (
    LINK_ACTION,
    NEARBY,
    distance_m,
    find_links,
    link_detail,
    linked_id,
    shown_detail,
)


def incident(incident_id, occurred_at, lat, lon):
    return parse_incident({"id": incident_id, "occurred_at": occurred_at, "lat": lat, "lon": lon})


FIRST = incident("A", "2026-07-04T23:15:00-04:00", 40.8105, -73.9235)


@pytest.mark.parametrize(("when", "lat", "linked"), [
    ("2026-07-05T04:15:00-04:00", 40.8120, True),    # 5 h, 167 m
    ("2026-07-07T23:14:00-04:00", 40.8120, True),    # just under 72 h
    ("2026-07-07T23:16:00-04:00", 40.8120, False),   # just over 72 h
    ("2026-07-05T04:15:00-04:00", 40.8150, False),   # 500 m is the limit: this is 500.4 m
    ("2026-07-04T20:00:00-04:00", 40.8110, True),    # reported late, happened before: still linked
])
def test_links_within_72_hours_and_500_metres(when, lat, linked):
    links = find_links(incident("B", when, lat, -73.9235), [FIRST])
    assert bool(links) is linked
    if linked:
        assert links[0].incident_id == "A"


def test_an_incident_without_coordinates_links_to_nothing():
    bare = parse_incident({"id": "B", "occurred_at": "2026-07-05T04:15:00-04:00", "precinct": 40})
    assert find_links(bare, [FIRST]) == []


def test_distance_is_a_great_circle_in_metres():
    assert distance_m(40.8105, -73.9235, 40.8120, -73.9235) == pytest.approx(166.8, abs=0.1)


LINKED = link_detail("NYPD-BVL1", 325.4, 0.2)


def test_a_link_event_names_the_other_incident():
    assert LINKED == "linked to NYPD-BVL1: 325 m and 0 h apart"
    assert linked_id(LINK_ACTION, LINKED) == "NYPD-BVL1"


@pytest.mark.parametrize(("action", "detail"), [
    ("note", LINKED),                         # a person's note is theirs, never rewritten
    (LINK_ACTION, "linked to "),              # no id
    (LINK_ACTION, "325 m and 0 h apart"),     # not a link line at all
])
def test_other_events_name_no_linked_incident(action, detail):
    assert linked_id(action, detail) is None
    assert shown_detail(action, detail, lambda _other: False) == detail


@pytest.mark.parametrize(("may_see", "shown"), [
    (True, LINKED),                                              # a coordinator, or its team
    (False, f"linked to {NEARBY}: 325 m and 0 h apart"),         # anyone else: where and when only
])
def test_a_linked_incident_is_named_only_to_whoever_may_see_it(may_see, shown):
    assert shown_detail(LINK_ACTION, LINKED, lambda other: may_see and other == "NYPD-BVL1") == shown
