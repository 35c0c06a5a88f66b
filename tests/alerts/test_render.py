"""What staff read: the alert SMS and the Slack post."""

from zoneinfo import ZoneInfo

import pytest

from alerts.gsm import is_gsm7, segments
from alerts.incident import parse_incident
from alerts.render import render_alert_sms

NY = ZoneInfo("America/New_York")


def incident(**fields):
    return parse_incident({"id": "NYPD-261234567", "occurred_at": "2026-07-04T23:15:00-04:00",
                           "lat": 40.6712, "lon": -73.9002, "precinct": 75, "borough": "BROOKLYN",
                           "location": "PITKIN AVE & ROCKAWAY AVE", **fields})


def test_the_alert_sms_says_what_where_when_and_how_to_reply():
    text = render_alert_sms(incident(victims=2, fatal=True, hospital="Brookdale"), 12, NY)
    assert text == ("CMS ALERT #12: Shooting, 2 victims, FATAL\n"
                    "PITKIN AVE & ROCKAWAY AVE, Pct 75, Brooklyn\n"
                    "Sat 7/4 11:15PM. Hosp: Brookdale\n"
                    "Reply 12A ack, 12S on scene, 12N note")
    assert is_gsm7(text) and segments(text) == 1


def test_the_time_is_shown_in_the_city_whatever_offset_the_feed_used():
    text = render_alert_sms(incident(occurred_at="2026-07-05T03:15:00Z"), 1, NY)
    assert "Sat 7/4 11:15PM" in text


def test_an_unrouted_alert_asks_the_coordinators_to_assign_it():
    assert "NO TEAM CATCHMENT" in render_alert_sms(incident(), 3, NY, unrouted=True)


@pytest.mark.parametrize("location", [
    "CORNER OF " + "VERY LONG AVENUE NAME " * 30,
    "“Smart quotes” — em dashes … and ünïcödé ﬁ ligatures ★ " * 6,
])
def test_any_location_still_gives_gsm7_in_two_segments_keeping_the_reply_line(location):
    text = render_alert_sms(incident(location=location[:200]), 12, NY)
    assert is_gsm7(text)
    assert segments(text) <= 2
    assert text.startswith("CMS ALERT #12: Shooting")
    assert text.endswith("Reply 12A ack, 12S on scene, 12N note")


@pytest.mark.parametrize(("victims", "headline"), [
    (0, "CMS ALERT #12: Shooting, shots fired, no one hit"),
    (None, "CMS ALERT #12: Shooting, victims unknown"),
    (1, "CMS ALERT #12: Shooting, 1 victim\n"), (2, "CMS ALERT #12: Shooting, 2 victims\n")])
def test_the_alert_sms_counts_victims_honestly(victims, headline):
    assert render_alert_sms(incident(victims=victims), 12, NY).startswith(headline)


@pytest.mark.parametrize(("fields", "headline"), [
    ({"type": "shots-fired", "victims": 0}, "CMS ALERT #1: Shots fired, no one hit\n"),
    ({"type": "shots-fired"}, "CMS ALERT #1: Shots fired, no one hit\n"),
    ({"type": "police-involved", "victims": 1}, "CMS ALERT #1: Police-involved shooting, 1 victim\n"),
    ({"type": "shooting", "victims": 1}, "CMS ALERT #1: Shooting, 1 victim\n"),
])
def test_the_alert_sms_says_the_type_when_it_is_not_a_plain_shooting(fields, headline):
    assert render_alert_sms(incident(**fields), 1, NY).startswith(headline)


def test_a_typed_alert_with_a_long_location_still_fits_two_gsm7_segments():
    long_place = "CORNER OF " + "VERY LONG AVENUE NAME " * 9
    text = render_alert_sms(incident(type="police-involved", victims=3, fatal=True,
                                     location=long_place[:200], hospital="Lincoln"), 12, NY,
                            unrouted=True, warning="POSSIBLE RETALIATION: 120 m, 3 h")
    assert is_gsm7(text) and segments(text) <= 2
    assert text.startswith("CMS ALERT #12: Police-involved shooting, 3 victims, FATAL")
    assert text.endswith("Reply 12A ack, 12S on scene, 12N note")
