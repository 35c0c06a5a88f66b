"""The sites file: what it may say, and every problem reported at once with its place."""

from datetime import timedelta

import pytest

from alerts.routine_hours import DEFAULT_ROUTINE_STEPS, RoutineStep
from alerts.sites_parse import SitesError, parse_sites
from tests.alerts.sitebuilder import LAYERS, NY, SITES, member, sites_data


def problems(data: object, layers=LAYERS) -> dict[str, str]:
    with pytest.raises(SitesError) as refused:
        parse_sites(data, layers, NY)
    return {problem.where: problem.message for problem in refused.value.problems}


def test_a_good_file_builds_teams_members_and_defaults():
    eny = SITES.team("eny")
    assert eny.geofences == ("precinct:75",) and eny.buffer_m == 50
    assert [m.role for m in eny.members] == ["interrupter", "outreach", "hospital", "supervisor"]
    assert eny.supervisors[0].name == "Lee Park"
    assert eny.escalation.required_acks == 1
    assert [step.notify for step in eny.escalation.steps] == ["supervisor", "coordinators"]
    assert eny.followups == (timedelta(hours=24), timedelta(hours=72))
    assert SITES.precinct_teams == {75: ("eny",), 73: ("bvl",)}
    assert SITES.coordinators_channel == "C0CMSHQ"


def test_phones_are_stored_in_e164():
    data = sites_data()
    data["teams"][1]["members"][0]["phone"] = "(212) 555-0173"
    assert parse_sites(data, LAYERS, NY).team("bvl").members[0].phone == "+12125550173"


def test_every_problem_is_reported_with_its_place():
    data = sites_data()
    data["teams"][0]["members"][0]["phone"] = "12"
    data["teams"][0]["members"][1]["role"] = "driver"
    data["teams"][1]["id"] = "eny"
    data["teams"][1]["geofences"] = ["zip:11207", "precinct:999"]
    data["teams"][2]["bufer_m"] = 20
    found = problems(data)
    assert found["teams[0].members[0].phone"] == 'phone "12" is not a valid number'
    assert "unknown role 'driver'" in found["teams[0].members[1].role"]
    assert "duplicate team id 'eny'" in found["teams[1].id"]
    assert "unknown layer 'zip'" in found["teams[1].geofences[0]"]
    assert "no feature with id '999'" in found["teams[1].geofences[1]"]
    assert "unknown key" in found["teams[2].bufer_m"]


@pytest.mark.parametrize(("change", "where"), [
    ({"teams": []}, "teams"),
    ({"coordinators": None}, "coordinators"),
    ({"coordinators_channel": "#general"}, "coordinators_channel"),
    ({"coordinators": [{"name": "No Way To Reach"}]}, "coordinators[0]"),
])
def test_top_level_mistakes_are_named(change, where):
    assert where in problems(sites_data(**change))


def test_a_team_needs_a_geofence_and_valid_escalation():
    data = sites_data()
    data["teams"][2]["geofences"] = []
    data["teams"][2]["escalation"] = {"required_acks": 0,
                                      "steps": [{"after": "soon", "notify": "supervisor"},
                                                {"after": "5m", "notify": "mayor"}]}
    found = problems(data)
    assert "teams[2].geofences" in found
    assert "teams[2].escalation.required_acks" in found
    assert "not a duration" in found["teams[2].escalation.steps[0].after"]
    assert "notify" in found["teams[2].escalation.steps[1]"]


def test_bad_shifts_and_circles_are_reported():
    data = sites_data()
    data["teams"][1]["members"][0]["shifts"] = ["always"]
    data["teams"][2]["geofences"] = [{"circle": {"lat": 40.7, "lon": -73.9}}]
    found = problems(data)
    assert "not a shift" in found["teams[1].members[0].shifts[0]"]
    assert "radius_m" in found["teams[2].geofences[0]"]


def test_a_layer_that_failed_to_load_is_reported_once_at_its_path():
    found = problems(sites_data(), layers={"precinct": "precincts.geojson: no such file"})
    assert found == {"geofence_layers.precinct.path": "precincts.geojson: no such file"}


def test_the_same_phone_twice_in_a_team_is_refused_but_across_teams_is_fine():
    data = sites_data()
    data["teams"][0]["members"].append(member("Ray Again", "+12125550175"))
    assert "listed twice" in problems(data)["teams[0].members[4].phone"]
    data = sites_data()
    data["teams"][1]["members"].append(member("Lee Park", "+12125550176", "supervisor"))
    assert len(parse_sites(data, LAYERS, NY).teams_of_phone("+12125550176")) == 2


def test_inline_polygons_are_fences_and_bad_ones_are_named():
    data = sites_data()
    square = {"type": "Polygon", "coordinates": [[[-74.0, 40.7], [-73.99, 40.7], [-73.99, 40.71],
                                                   [-74.0, 40.71], [-74.0, 40.7]]]}
    data["teams"][2]["geofences"] = [{"polygon": square}, {"polygon": {"type": "Point",
                                                                       "coordinates": [1, 2]}}]
    assert "Point" in problems(data)["teams[2].geofences[1]"]
    data["teams"][2]["geofences"] = [{"polygon": square}]
    assert parse_sites(data, LAYERS, NY).team("jam").geofences == ("inline:jam:0",)


def test_what_the_sites_file_sends_residents_keeps_the_privacy_promise():
    data = sites_data(takedown_playbooks={"default": [
        {"at": "0d 18:00", "text": "Visit the victim's family at 455 E 140 St"},  # the team's
        {"at": "1d", "to": "residents", "text": "Support in {area}. Reply HELP for resources."},
        {"at": "2d", "to": "residents", "text": "Pray for Jose R., taken to Brookdale"}]})
    data["teams"][1]["resources"] = ["Call 311", "Drop-in at 455 E 140 ST, ages 14-24"]
    found = problems(data)
    assert found == {
        "takedown_playbooks.default[2].text": (
            "playbook 'default' sends this step to residents, and residents never get victim "
            'details, a hospital or an exact address: "Jose R.": a name with an initial; '
            '"Brookdale": a hospital'),
        "teams[1].resources[1]": (
            "resources reach residents in area notices, and residents never get victim details, "
            'a hospital or an exact address: "455 E 140 ST": an exact address'),
    }


@pytest.mark.parametrize(("change", "where", "shown"), [
    (lambda d: d.update(coordinators_channel="#general"), "coordinators_channel", '"#general"'),
    (lambda d: d["teams"][0].update(id="Man Up!"), "teams[0].id", '"Man Up!"'),
    (lambda d: d["teams"][0].update(slack_channel="#eny"), "teams[0].slack_channel", '"#eny"'),
    (lambda d: d["teams"][0].update(buffer_m="far"), "teams[0].buffer_m", '"far"'),
    (lambda d: d["teams"][0].update(resident_notices="yes"), "teams[0].resident_notices",
     '"yes"'),
    (lambda d: d["teams"][0].update(escalation={"required_acks": 99}),
     "teams[0].escalation.required_acks", "99"),
    (lambda d: d["teams"][0]["members"][0].update(phone=["+12125550175"]),
     "teams[0].members[0].phone", '["+12125550175"]'),
    (lambda d: d["teams"][0]["members"][0].update(slack_user="@ray"),
     "teams[0].members[0].slack_user", '"@ray"'),
])
def test_a_refused_value_is_shown_in_its_problem(change, where, shown):
    data = sites_data()
    change(data)
    assert problems(data)[where].endswith(f", not {shown}")


def test_a_coordinator_with_a_bad_phone_is_told_about_the_phone_only():
    data = sites_data()
    data["coordinators"] = [{"name": "Dana Reyes", "phone": "555"}]
    assert problems(data) == {"coordinators[0].phone": 'phone "555" is not a valid number'}


def test_routine_hours_and_escalation_default_and_can_be_written():
    eny = SITES.team("eny")
    assert (eny.routine_hours.text, eny.routine_escalation) == ("10:00-20:00",
                                                               DEFAULT_ROUTINE_STEPS)
    data = sites_data()
    data["teams"][0].update(routine_hours="09:00-17:30", routine_escalation={"steps": [
        {"after": "1h", "notify": "supervisor"}, {"after": "next-opening", "notify": "team"}]})
    team = parse_sites(data, LAYERS, NY).team("eny")
    assert team.routine_hours.text == "09:00-17:30"
    assert team.routine_escalation == (RoutineStep(timedelta(hours=1), "supervisor"),
                                       RoutineStep(None, "team"))


@pytest.mark.parametrize(("change", "where", "says"), [
    ({"routine_hours": "22:00-06:00"}, "teams[0].routine_hours", "no overnight windows"),
    ({"routine_hours": "10-20"}, "teams[0].routine_hours", "write e.g. '10:00-20:00'"),
    ({"routine_escalation": [{"after": "2h"}]}, "teams[0].routine_escalation",
     "must be a mapping with steps"),
    ({"routine_escalation": {"steps": [{"after": "soon", "notify": "supervisor"}]}},
     "teams[0].routine_escalation.steps[0].after", "is not a duration"),
    ({"routine_escalation": {"steps": [{"after": "2h", "notify": "mayor"}]}},
     "teams[0].routine_escalation.steps[0]", "next-opening"),
])
def test_bad_routine_hours_or_escalation_are_refused_at_their_place(change, where, says):
    data = sites_data()
    data["teams"][0].update(change)
    assert says in problems(data)[where]


def test_members_are_texted_then_called_by_default_and_may_ask_for_texts_only():
    data = sites_data()
    data["teams"][0]["members"][1]["contact"] = ["sms"]
    eny = parse_sites(data, LAYERS, NY).team("eny")
    assert [m.contact for m in eny.members[:2]] == [("sms", "voice"), ("sms",)]
    assert eny.repage_after == timedelta(minutes=3)
    assert eny.checkout_escalation == timedelta(minutes=15)


def test_calls_are_set_per_team_and_per_escalation_step():
    data = sites_data()
    team = data["teams"][0]
    team.update(repage_after="5m", checkout_escalation="30m", escalation={"steps": [
        {"after": "10m", "notify": "supervisor", "via": ["sms", "voice"]},
        {"after": "20m", "notify": "coordinators"}]})
    data["teams"][1]["repage_after"] = "off"
    sites = parse_sites(data, LAYERS, NY)
    eny = sites.team("eny")
    assert (eny.repage_after, eny.checkout_escalation) == (timedelta(minutes=5),
                                                           timedelta(minutes=30))
    assert [s.via for s in eny.escalation.steps] == [("sms", "voice"), ("sms",)]
    assert sites.team("bvl").repage_after is None


def test_contact_and_via_mistakes_are_named():
    data = sites_data()
    data["teams"][0]["members"][0]["contact"] = ["voice"]
    data["teams"][0]["escalation"] = {"steps": [{"after": "10m", "notify": "supervisor",
                                                 "via": ["fax"], "wait": 1}]}
    data["teams"][1]["repage_after"] = "soon"
    found = problems(data)
    assert "must include sms" in found["teams[0].members[0].contact"]
    assert "unknown method 'fax'" in found["teams[0].escalation.steps[0].via"]
    assert "unknown key" in found["teams[0].escalation.steps[0].wait"]
    assert "is not a duration" in found["teams[1].repage_after"]


def test_incident_types_extend_the_built_in_three_and_teams_may_take_some():
    data = sites_data(incident_types=["stabbing", "shooting"])
    data["teams"][0]["types"] = ["shooting", "shots-fired"]
    sites = parse_sites(data, LAYERS, NY)
    assert sites.incident_types == ("shooting", "shots-fired", "police-involved", "stabbing")
    assert sites.team("eny").types == ("shooting", "shots-fired")
    assert sites.team("eny").takes("shots-fired") and not sites.team("eny").takes("stabbing")
    assert sites.team("bvl").types is None and sites.team("bvl").takes("stabbing")
    assert SITES.incident_types == ("shooting", "shots-fired", "police-involved")


def test_type_mistakes_are_named_with_their_place():
    data = sites_data(incident_types=["stabbing", "Mass Shooting", 7])
    data["teams"][0]["types"] = ["shooting", "arson"]
    data["teams"][1]["types"] = []
    data["teams"][2]["types"] = "shooting"
    found = problems(data)
    assert found["incident_types[1]"].startswith("a type is lower-case letters, digits and "
                                                 "dashes")
    assert found["incident_types[1]"].endswith('not "Mass Shooting"')
    assert "incident_types[2]" in found
    assert found["teams[0].types[1]"] == ('unknown type "arson"; expected one of shooting, '
                                          "shots-fired, police-involved, stabbing (add others "
                                          "under incident_types)")
    assert "non-empty list" in found["teams[1].types"]
    assert "non-empty list" in found["teams[2].types"]
    assert "must be a list" in problems(sites_data(incident_types="stabbing"))["incident_types"]
