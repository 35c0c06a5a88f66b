"""Rest after a fatal response: a member on scene at a killing is spared new alerts for a while,
unless nobody else on the team would be paged."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts.overrides import Override
from alerts.rest import FatalResponse, lookback, resting
from alerts.routing import route
from alerts.sites_parse import SitesError, parse_sites
from tests.alerts.sitebuilder import LAYERS, NY, SITES, member, sites_data
from tests.alerts.test_routing import SATURDAY_NIGHT, incident

RAY, ANDRE, LEE, TASHA, OMAR, ERICA = ("+12125550175", "+12125550178", "+12125550176",
                                       "+12125550173", "+12125550174", "+17185550113")
IN_ENY = {"lat": 40.67, "lon": -73.89}
IN_BVL = {"lat": 40.67, "lon": -73.91}
IN_JAM = {"lat": 40.6915, "lon": -73.7925}


def paged(plan):
    return {r.name: r.reason for r in plan.recipients}


def test_a_resting_member_is_spared_while_a_teammate_is_paged():
    plan = route(incident(**IN_ENY), SITES, SATURDAY_NIGHT, frozenset({RAY}))
    assert paged(plan) == {"Andre Mills": "on shift"}
    assert ("Ray Ortiz", "resting after a fatal response") in \
        [(r.name, r.reason) for r in plan.off_shift]


def test_nobody_resting_pages_as_before():
    assert route(incident(**IN_ENY), SITES, SATURDAY_NIGHT, frozenset()) == \
        route(incident(**IN_ENY), SITES, SATURDAY_NIGHT)


def test_with_only_supervisors_otherwise_on_the_supervisor_is_paged_instead():
    plan = route(incident(**IN_BVL), SITES, SATURDAY_NIGHT, frozenset({TASHA}))
    assert paged(plan) == {"Omar Haddad": "nobody else on shift"}


def test_with_nobody_else_on_the_resting_member_is_paged_and_told_why():
    plan = route(incident(**IN_JAM), SITES, SATURDAY_NIGHT, frozenset({ERICA}))
    assert paged(plan) == {"Erica Shaw": "resting after a fatal response, nobody else on"}


def test_the_resting_are_paged_before_supervisors_who_are_off_shift():
    sites = parse_sites(sites_data(teams=[
        {"id": "jam", "name": "LIFE Camp", "geofences": [{"circle": {
            "lat": 40.6915, "lon": -73.7925, "radius_m": 1000}}],
         "members": [member("Erica Shaw", ERICA),
                     member("Paul Rivera", "+17185550114", "supervisor", shifts=["mon 09:00-17:00"])]},
    ]), LAYERS, NY)
    plan = route(incident(**IN_JAM), sites, SATURDAY_NIGHT, frozenset({ERICA}))
    assert paged(plan) == {"Erica Shaw": "resting after a fatal response, nobody else on"}


def test_a_resting_supervisor_covering_a_shift_is_spared_like_anyone_on_the_street():
    cover = Override("bvl", "Omar Haddad", "cover", SATURDAY_NIGHT - timedelta(hours=1),
                     SATURDAY_NIGHT + timedelta(hours=4))
    sites = replace(SITES, overrides=(cover,))
    assert set(paged(route(incident(**IN_BVL), sites, SATURDAY_NIGHT))) == \
        {"Tasha Bell", "Omar Haddad"}
    assert paged(route(incident(**IN_BVL), sites, SATURDAY_NIGHT, frozenset({OMAR}))) == \
        {"Tasha Bell": "on shift"}


def test_time_off_still_wins_over_rest_being_the_only_one_left():
    off = Override("bvl", "Tasha Bell", "off", SATURDAY_NIGHT - timedelta(hours=1),
                   SATURDAY_NIGHT + timedelta(hours=4))
    plan = route(incident(**IN_BVL), replace(SITES, overrides=(off,)), SATURDAY_NIGHT,
                 frozenset({OMAR}))
    # Tasha is off; Omar rests, but nobody else is on: he is paged.
    assert paged(plan) == {"Omar Haddad": "resting after a fatal response, nobody else on"}


def test_rest_lasts_the_teams_rest_after_fatal_from_the_on_scene_reply():
    at = datetime(2026, 7, 4, 22, 0, tzinfo=UTC)
    responses = [FatalResponse(RAY, "eny", at)]
    assert resting(responses, SITES, at + timedelta(hours=11, minutes=59)) == \
        {RAY: at + timedelta(hours=12)}
    assert resting(responses, SITES, at + timedelta(hours=12)) == {}


def test_a_team_sets_its_own_rest_and_the_latest_response_counts():
    data = sites_data()
    data["teams"][0]["rest_after_fatal"] = "8h"
    sites = parse_sites(data, LAYERS, NY)
    at = datetime(2026, 7, 4, 22, 0, tzinfo=UTC)
    earlier, later = FatalResponse(RAY, "eny", at - timedelta(hours=3)), FatalResponse(RAY, "eny", at)
    assert resting([later, earlier], sites, at + timedelta(hours=7)) == \
        {RAY: at + timedelta(hours=8)}
    assert lookback(sites) == timedelta(hours=12)  # the other teams keep the default


def test_a_rest_longer_than_a_week_is_cut_to_a_week():
    data = sites_data()
    data["teams"][0]["rest_after_fatal"] = "400d"
    sites = parse_sites(data, LAYERS, NY)
    assert lookback(sites) == timedelta(days=7)
    at = datetime(2026, 7, 4, 22, 0, tzinfo=UTC)
    assert resting([FatalResponse(RAY, "eny", at)], sites, at + timedelta(days=8)) == {}


def test_the_sites_file_refuses_a_rest_that_is_not_a_duration():
    data = sites_data()
    data["teams"][0]["rest_after_fatal"] = "a while"
    with pytest.raises(SitesError, match=r"teams\[0\]\.rest_after_fatal"):
        parse_sites(data, LAYERS, NY)
