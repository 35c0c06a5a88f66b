"""Warnings about a valid sites file: who is paged at any hour, coordinators with no rotation,
and rotations naming people the roster does not have."""

from alerts.site_warnings import site_warnings
from tests.alerts.sitebuilder import SITES, build_sites


def test_members_with_no_shifts_are_named_once_per_team():
    warnings = site_warnings(SITES)
    assert warnings[0] == ("teams[0] eny: 3 member(s) with no shifts, paged at any hour: "
                           "Ray Ortiz, Andre Mills, Lee Park")  # Keisha has a shift
    assert len(warnings) == 3  # one coordinator: no rotation warning


def test_several_coordinators_without_a_rotation_get_one_line():
    sites = build_sites(coordinators=[{"name": "Dana Reyes", "phone": "+12125550100"},
                                      {"name": "Sam Ortiz", "phone": "+12125550101"}])
    rotation = [w for w in site_warnings(sites) if w.startswith("coordinators:")]
    assert rotation == ["coordinators: 2 coordinators and no rotation: every escalation to the "
                        "coordinators reaches all of them (add rotations: {coordinators: "
                        "{people: [...], shift: 1w, handoff: 'mon 09:00'}})"]


def test_a_rotation_naming_someone_not_on_the_roster_is_warned_of():
    sites = build_sites(coordinators=TWO, rotations={"coordinators": {
        "people": ["Dana Reyes", "Kim Lee"], "shift": "1w", "handoff": "mon 09:00"}})
    assert [w for w in site_warnings(sites) if "coordinators" in w] == [
        "rotations.coordinators: not on the roster: Kim Lee; their turns reach everyone in "
        "the group"]


TWO = [{"name": "Dana Reyes", "phone": "+12125550100"}, {"name": "Sam Ortiz", "phone": "+12125550101"}]
