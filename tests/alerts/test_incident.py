"""Incident payloads: what the ingest API accepts, and how it names what it refuses."""

from datetime import UTC, datetime, timedelta

import pytest

from alerts.incident import IncidentError, parse_incident

GOOD = {"id": "NYPD-261234567", "occurred_at": "2026-07-04T23:15:00-04:00",
        "lat": 40.6712, "lon": -73.9002}


def test_the_design_example_is_accepted_in_full():
    incident = parse_incident({**GOOD, "precinct": 75, "borough": "BROOKLYN", "fatal": False,
                               "victims": 1, "location": "PITKIN AVE & ROCKAWAY AVE",
                               "hospital": "Brookdale", "source": "nypd-patrol", "verified": True})
    assert incident.occurred_at == datetime(2026, 7, 5, 3, 15, tzinfo=UTC)
    assert incident.occurred_at.utcoffset() == timedelta(hours=-4)
    assert (incident.lat, incident.lon, incident.precinct) == (40.6712, -73.9002, 75)
    assert incident.location == "PITKIN AVE & ROCKAWAY AVE"
    assert incident.hospital == "Brookdale" and incident.verified is True


def test_only_id_time_and_coordinates_are_required():
    incident = parse_incident(GOOD)
    assert incident.victims is None and incident.fatal is False and incident.precinct is None


def test_no_victims_and_an_unknown_count_stay_distinct():
    assert parse_incident({**GOOD, "victims": 0}).victims == 0
    assert parse_incident({**GOOD, "victims": None}).victims is None
    assert parse_incident({**GOOD, "victims": 0}).to_json()["victims"] == 0
    assert "victims" not in parse_incident(GOOD).to_json()


@pytest.mark.parametrize(("change", "field"), [
    ({"id": None}, "id"),
    ({"id": ""}, "id"),
    ({"id": "has space"}, "id"),
    ({"id": "NYPD-1\n"}, "id"),  # a trailing newline is not part of any id
    ({"id": 12345}, "id"),
    ({"occurred_at": None}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2026-07-04T23:15:00"}, "occurred_at"),  # no offset: ambiguous
    ({"lat": "40.6"}, "lat"),
    ({"lat": 91.0}, "lat"),
    ({"lon": -181.0}, "lon"),
    ({"lat": float("nan")}, "lat"),
    ({"lat": True}, "lat"),
    ({"lon": None}, "lon"),
    ({"precinct": "seventy-five"}, "precinct"),
    ({"precinct": 0}, "precinct"),
    ({"victims": -1}, "victims"),
    ({"fatal": "yes"}, "fatal"),
    ({"verified": 1}, "verified"),
    ({"location": 5}, "location"),
    ({"hospital": "x" * 121}, "hospital"),
])
def test_a_bad_field_is_named(change, field):
    with pytest.raises(IncidentError) as refused:
        parse_incident({**GOOD, **change})
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(IncidentError) as refused:
        parse_incident(["not", "an", "object"])
    assert refused.value.field == "body"


@pytest.mark.parametrize("coordinates", [{"lat": 0, "lon": 0}, {}, {"lat": None, "lon": None}])
def test_without_usable_coordinates_the_precinct_routes_it(coordinates):
    payload = {key: value for key, value in GOOD.items() if key not in ("lat", "lon")}
    incident = parse_incident({**payload, **coordinates, "precinct": 75})
    assert not incident.has_point and incident.precinct == 75


@pytest.mark.parametrize("coordinates", [{"lat": 0, "lon": 0}, {}])
def test_without_coordinates_or_precinct_it_is_refused_naming_lat(coordinates):
    payload = {key: value for key, value in GOOD.items() if key not in ("lat", "lon")}
    with pytest.raises(IncidentError) as refused:
        parse_incident({**payload, **coordinates})
    assert refused.value.field == "lat"


def test_unknown_fields_are_ignored_so_a_feed_change_never_loses_an_alert():
    assert parse_incident({**GOOD, "perp_age_group": "18-24"}).id == GOOD["id"]


def test_text_is_kept_verbatim_apart_from_runs_of_whitespace():
    incident = parse_incident({**GOOD, "location": "  <b>O'Brien</b>  &\n'; DROP TABLE x;--"})
    assert incident.location == "<b>O'Brien</b> & '; DROP TABLE x;--"


def test_precinct_as_a_string_of_digits_is_accepted():
    assert parse_incident({**GOOD, "precinct": "75"}).precinct == 75


def test_z_suffix_is_utc():
    incident = parse_incident({**GOOD, "occurred_at": "2026-07-05T03:15:00Z"})
    assert incident.occurred_at.utcoffset() == UTC.utcoffset(None)


def test_an_incident_is_a_shooting_unless_the_feed_gives_another_type():
    assert parse_incident(GOOD).type == "shooting"
    assert parse_incident({**GOOD, "type": "shots-fired"}).type == "shots-fired"
    assert parse_incident({**GOOD, "type": "police-involved"}).to_json()["type"] == "police-involved"


def test_an_unknown_type_is_refused_naming_the_allowed_ones():
    with pytest.raises(IncidentError) as refused:
        parse_incident({**GOOD, "type": "stabbing"})
    assert refused.value.field == "type"
    assert refused.value.message == ("unknown type 'stabbing'; expected one of shooting, "
                                     "shots-fired, police-involved")
    # A type the sites file adds is accepted where that file is in force.
    allowed = ("shooting", "shots-fired", "police-involved", "stabbing")
    assert parse_incident({**GOOD, "type": "stabbing"}, allowed).type == "stabbing"
    with pytest.raises(IncidentError, match="unknown type that"):
        parse_incident({**GOOD, "type": ["shooting"]})
