"""A person's report made into an incident: places, times and counts as people write them."""

from datetime import UTC, datetime

import pytest
from shapely.geometry import Point

from alerts.people_reports import (
    ReportError,
    ReportForm,
    locate,
    report_id,
    report_time,
    reported_incident,
)
from tests.alerts.sitebuilder import NY, SITES

NOW = datetime(2026, 7, 5, 3, 20, tzinfo=UTC)  # Saturday 23:20 in New York


def test_a_team_by_id_or_name_is_a_point_inside_its_catchment():
    for place in ("jam", "LIFE Camp", "team:jam"):
        found = locate(place, SITES)
        x, y = SITES.index.projection.xy(found.lat, found.lon)
        assert SITES.shapes["team:jam"].contains(Point(x, y))
        assert found.label == "LIFE Camp"


def test_coordinates_are_taken_as_they_are_and_must_be_on_earth():
    assert (locate("40.81, -73.92", SITES).lat, locate("40.81 -73.92", SITES).lon) == (40.81,
                                                                                       -73.92)
    with pytest.raises(ReportError, match="latitude, longitude"):
        locate("95, -73.92", SITES)


@pytest.mark.parametrize("place", ["", "the corner store", "zip:99999", "precinct:"])
def test_a_place_that_names_nothing_says_what_would_do(place):
    with pytest.raises(ReportError) as refused:
        locate(place, SITES)
    assert refused.value.field == "place" and "precinct:N, nta:CODE, zip:N" in refused.value.message


@pytest.mark.parametrize(("text", "local"), [
    ("", "2026-07-04 23:20"), ("now", "2026-07-04 23:20"), ("23:15", "2026-07-04 23:15"),
    ("11pm", "2026-07-04 23:00"), ("23:25", "2026-07-04 23:25"),  # five minutes fast is now
    ("23:45", "2026-07-03 23:45"),  # still to come today: it was last night
    ("2026-07-04T22:00-04:00", "2026-07-04 22:00"),
])
def test_times_as_people_write_them(text, local):
    assert f"{report_time(text, NOW, NY).astimezone(NY):%Y-%m-%d %H:%M}" == local


@pytest.mark.parametrize(("text", "message"), [
    ("25:00", "a clock time like 23:15"), ("soon", "a clock time like 23:15"),
    ("2026-07-04T22:00", "needs its zone"), ("2026-07-05T23:00-04:00", "in the future"),
])
def test_times_that_cannot_be_used(text, message):
    with pytest.raises(ReportError, match=message):
        report_time(text, NOW, NY)


def test_the_incident_keeps_the_words_the_source_and_an_honest_count():
    form = ReportForm(place="jam", cross_streets=" Sutphin  Blvd & 107 Ave ", victims="",
                      source="hospital-call", fatal=True)
    incident = reported_incident(form, SITES, NOW, "CMS-ABC")
    assert (incident.location, incident.victims, incident.fatal, incident.source,
            incident.verified) == ("SUTPHIN BLVD & 107 AVE (LIFE CAMP)", None, True,
                                   "hospital-call", False)
    with pytest.raises(ReportError) as refused:
        reported_incident(ReportForm(place="jam", victims="-1"), SITES, NOW, "CMS-ABC")
    assert refused.value.field == "victims"
    with pytest.raises(ReportError) as refused:
        reported_incident(ReportForm(place="jam", source="twitter"), SITES, NOW, "CMS-ABC")
    assert refused.value.field == "source"


def test_the_same_form_twice_is_the_same_incident():
    assert report_id("+12125550100", "n1") == report_id("+12125550100", "n1")
    assert report_id("+12125550100", "n1") != report_id("+12125550100", "n2")
