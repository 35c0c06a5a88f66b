"""Routing: from an incident to the teams, people and channels that must hear of it."""

from datetime import UTC, datetime

from alerts.incident import parse_incident
from alerts.routing import route
from alerts.sites_parse import parse_sites
from tests.alerts.sitebuilder import LAYERS, NY, SITES, member, sites_data

# Saturday 2026-07-04 23:15 in New York: Keisha (mon-fri 18:00-02:00) is off.
SATURDAY_NIGHT = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)
# Tuesday 2026-07-07 01:00 in New York: inside Keisha's Monday night shift.
MONDAY_NIGHT = datetime(2026, 7, 7, 5, 0, tzinfo=UTC)


def incident(**fields):
    return parse_incident({"id": "I-1", "occurred_at": "2026-07-04T23:15:00-04:00", **fields})


def test_a_point_in_a_catchment_pages_its_on_shift_members_but_not_the_supervisor():
    plan = route(incident(lat=40.67, lon=-73.89), SITES, SATURDAY_NIGHT)
    assert plan.team_ids == ("eny",)
    assert [r.name for r in plan.recipients] == ["Ray Ortiz", "Andre Mills"]
    assert [r.name for r in plan.off_shift] == ["Keisha Grant"]
    assert [(p.channel, p.team_ids) for p in plan.posts] == [("C075ENY", ("eny",))]
    assert plan.routes[0].reason == "inside precinct:75"


def test_shifts_are_read_in_city_time():
    plan = route(incident(lat=40.67, lon=-73.89), SITES, MONDAY_NIGHT)
    assert "Keisha Grant" in [r.name for r in plan.recipients]


def test_within_the_buffer_of_a_neighbour_both_teams_are_alerted():
    # 0.0003 deg of longitude is about 25 m into precinct 73, inside eny's 50 m buffer.
    plan = route(incident(lat=40.67, lon=-73.9003), SITES, SATURDAY_NIGHT)
    assert plan.team_ids == ("bvl", "eny")
    reasons = {r.team_id: r.reason for r in plan.routes}
    assert reasons["bvl"] == "inside precinct:73"
    assert reasons["eny"].endswith("m from precinct:75")
    assert {p.channel for p in plan.posts} == {"C075ENY", "C073BVL"}


def test_beyond_the_buffer_only_the_catchment_team_is_alerted():
    plan = route(incident(lat=40.67, lon=-73.9010), SITES, SATURDAY_NIGHT)
    assert plan.team_ids == ("bvl",)


def test_a_circle_catches_points_within_its_radius():
    near = route(incident(lat=40.6960, lon=-73.7925), SITES, SATURDAY_NIGHT)  # ~500 m
    far = route(incident(lat=40.7060, lon=-73.7925), SITES, SATURDAY_NIGHT)   # ~1.6 km
    assert near.team_ids == ("jam",) and far.team_ids == ()


def test_outside_every_catchment_it_goes_to_the_coordinators():
    plan = route(incident(lat=40.63, lon=-74.07), SITES, SATURDAY_NIGHT)
    assert plan.unrouted and plan.team_ids == ()
    assert [(r.name, r.role) for r in plan.recipients] == [("Dana Reyes", "coordinator")]
    assert [p.channel for p in plan.posts] == ["C0CMSHQ"]


def test_without_coordinates_the_precinct_routes_it():
    plan = route(incident(precinct=73), SITES, SATURDAY_NIGHT)
    assert plan.team_ids == ("bvl",)
    assert plan.routes[0].reason == "precinct 73 (no coordinates)"


def test_a_precinct_no_team_covers_goes_to_the_coordinators():
    assert route(incident(precinct=40), SITES, SATURDAY_NIGHT).unrouted


def test_the_hospital_brings_in_that_teams_hospital_responders_only():
    plan = route(incident(lat=40.67, lon=-73.91, hospital="Brookdale Hospital Medical Center"),
                 SITES, SATURDAY_NIGHT)
    assert plan.team_ids == ("bvl", "eny")
    eny_people = [r.name for r in plan.recipients if r.team_id == "eny"]
    assert eny_people == ["Andre Mills"]
    assert {r.team_id: r.reason for r in plan.routes}["eny"] == \
        "victim taken to Brookdale Hospital Medical Center"


def test_when_only_supervisors_are_on_shift_they_are_paged_at_once():
    data = sites_data()
    data["teams"][1]["members"][0]["shifts"] = ["mon 09:00-10:00"]
    plan = route(incident(lat=40.67, lon=-73.91), parse_sites(data, LAYERS, NY), SATURDAY_NIGHT)
    assert [(r.name, r.reason) for r in plan.recipients] == [("Omar Haddad",
                                                              "nobody else on shift")]


def test_a_team_with_nobody_to_page_falls_back_to_the_coordinators():
    data = sites_data()
    data["teams"][2]["members"] = [member("Erica Shaw", "+17185550113", shifts=["mon 09:00-10:00"])]
    plan = route(incident(lat=40.6915, lon=-73.7925), parse_sites(data, LAYERS, NY),
                 SATURDAY_NIGHT)
    assert plan.team_ids == ("jam",)
    assert [(r.name, r.reason) for r in plan.recipients] == [("Dana Reyes", "jam: nobody on shift")]


def test_a_person_in_two_alerted_teams_is_paged_once():
    data = sites_data()
    data["teams"][1]["members"].append(member("Ray Ortiz", "+12125550175"))
    plan = route(incident(lat=40.67, lon=-73.9003), parse_sites(data, LAYERS, NY), SATURDAY_NIGHT)
    phones = [r.phone for r in plan.recipients]
    assert len(phones) == len(set(phones)) and "+12125550175" in phones


def test_two_teams_sharing_a_channel_get_one_post():
    data = sites_data()
    data["teams"][1]["slack_channel"] = "C075ENY"
    plan = route(incident(lat=40.67, lon=-73.9003), parse_sites(data, LAYERS, NY), SATURDAY_NIGHT)
    assert [(p.channel, sorted(p.team_ids)) for p in plan.posts] == [("C075ENY", ["bvl", "eny"])]


def typed_sites():
    data = sites_data(incident_types=["stabbing"])
    data["teams"][0]["types"] = ["shooting", "shots-fired"]  # eny: precinct 75
    data["teams"][1]["types"] = ["shooting", "stabbing"]  # bvl: precinct 73
    return parse_sites(data, LAYERS, NY)


def typed(**fields):
    return parse_incident({"id": "I-1", "occurred_at": "2026-07-04T23:15:00-04:00", **fields},
                          typed_sites().incident_types)


def test_a_team_is_routed_only_the_types_it_takes():
    sites = typed_sites()
    assert route(incident(lat=40.67, lon=-73.89), sites, SATURDAY_NIGHT).team_ids == ("eny",)
    shots = route(incident(lat=40.67, lon=-73.89, type="shots-fired"), sites, SATURDAY_NIGHT)
    assert shots.team_ids == ("eny",) and shots.declined == ()
    stabbing = route(typed(lat=40.67, lon=-73.91, type="stabbing"), sites, SATURDAY_NIGHT)
    assert stabbing.team_ids == ("bvl",)
    # On the line between the two: eny (by its 50 m buffer) takes no stabbing, bvl does.
    line = route(typed(lat=40.67, lon=-73.9003, type="stabbing"), sites, SATURDAY_NIGHT)
    assert line.team_ids == ("bvl",) and line.declined == ("eny",)


def test_an_incident_of_a_type_no_team_there_takes_goes_to_the_coordinators():
    plan = route(incident(lat=40.67, lon=-73.89, type="police-involved"), typed_sites(),
                 SATURDAY_NIGHT)
    assert plan.unrouted and plan.declined == ("eny",)
    assert [(r.name, r.reason) for r in plan.recipients] == [
        ("Dana Reyes", "no team there takes police-involved incidents")]
    assert [p.channel for p in plan.posts] == ["C0CMSHQ"]


def test_a_team_that_does_not_take_the_type_is_not_paged_for_its_hospital_either():
    plan = route(incident(lat=40.67, lon=-73.91, type="shots-fired", hospital="Brookdale"),
                 typed_sites(), SATURDAY_NIGHT)
    assert plan.team_ids == ("eny",)  # bvl's catchment, but bvl takes no shots fired
    assert plan.declined == ("bvl",)
    assert all(r.role == "hospital" for r in plan.recipients)
