"""Every staff SMS is GSM-7, at most two segments, and says how to answer."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.gsm import is_gsm7, segments
from alerts.incident import parse_incident
from alerts.staff_texts import (
    HELP,
    ClearResult,
    OpenAlert,
    ack_notice,
    checkin_sms,
    checkout_overdue_sms,
    clear_sms,
    cleared_sms,
    escalation_sms,
    followup_overdue_sms,
    forwarded_sms,
    need_sms,
    opt_out_notice,
    status_sms,
    which_one_sms,
)

NY = ZoneInfo("America/New_York")
AT = datetime(2026, 7, 5, 3, 30, tzinfo=UTC)
LONG = "CORNER OF A VERY LONG AVENUE NAME AND ANOTHER ONE " * 4


def incident(location="PITKIN AVE & ROCKAWAY AVE"):
    return parse_incident({"id": "I-1", "occurred_at": "2026-07-04T23:15:00-04:00", "lat": 40.67,
                           "lon": -73.9, "precinct": 75, "location": location[:200]})


@pytest.mark.parametrize("render", [
    lambda i: escalation_sms(i, 12, timedelta(minutes=10), "Man Up ENY", NY),
    lambda i: need_sms(i, 12, "Ray Ortiz", "Man Up ENY", "crowd growing “fast” — send help " * 5),
    lambda i: ack_notice(i, 12, "Ray Ortiz", "Man Up ENY", AT, NY),
    lambda i: checkin_sms(i, 12, "24h", NY),
    lambda i: followup_overdue_sms(i, 12, "24h", "Man Up ENY"),
    lambda i: checkout_overdue_sms(i, 12, "Ray Ortiz", AT, NY),
    lambda i: status_sms([OpenAlert(n, i, "acked") for n in range(1, 9)], NY),
    lambda i: which_one_sms([OpenAlert(n, i, "new") for n in range(1, 9)], "A"),
    lambda i: forwarded_sms(i, 12, "Ray Ortiz", "Man Up ENY",
                            "they\u2019re coming back \u201cnow\u201d " * 30),
    lambda i: opt_out_notice("Ray Ortiz", "Man Up! (East New York)", "+12125550199"),
    lambda i: cleared_sms(12, "Lee Park", "your supervisor"),
    lambda i: clear_sms(12, ClearResult(on_scene=("A Very Long Name Indeed",) * 9, wanted="x")),
])
@pytest.mark.parametrize("location", ["PITKIN AVE & ROCKAWAY AVE", LONG])
def test_staff_texts_fit_two_gsm7_segments(render, location):
    text = render(incident(location))
    assert is_gsm7(text) and segments(text) <= 2


def test_the_escalation_says_how_long_and_how_to_take_it():
    text = escalation_sms(incident(), 4, timedelta(minutes=20), "Man Up ENY", NY)
    assert text.startswith("CMS ESCALATION #4: no ack after 20 min (Man Up ENY)")
    assert text.endswith("Reply 4A to take it")


def test_the_ack_notice_names_who_and_when_in_city_time():
    assert ack_notice(incident(), 3, "Ray Ortiz", "Man Up ENY", AT, NY).startswith(
        "CMS #3: Ray Ortiz (Man Up ENY) acknowledged at 11:30PM")


def test_help_lists_every_code():
    for code in ("12A", "12S", "12N", "NEED 12", "12C", "12K", "EXTEND 12", "CLEAR 12", "STATUS",
                 "STOP"):
        assert code in HELP
    assert segments(HELP) <= 2


def test_a_forwarded_text_names_who_where_and_quotes_them():
    text = forwarded_sms(incident(), 3, "Ray Ortiz", "Man Up ENY", "  they are\nback ")
    assert text == ("CMS: Ray Ortiz (Man Up ENY) texted about #3 PITKIN AVE & ROCKAWAY AVE, "
                    "Pct 75:\n"
                    "'they are back'\nReply 3N to add a note")


def test_a_stop_notice_says_how_to_undo_it():
    assert opt_out_notice("Ray Ortiz", "Man Up ENY", "+12125550199") == (
        "CMS: Ray Ortiz (Man Up ENY) texted STOP and will get no CMS alerts.\n"
        "They can text START to +12125550199 to receive alerts again.")
