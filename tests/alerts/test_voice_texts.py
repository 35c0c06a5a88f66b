"""What calls say: the alert in words, the keys, and a voicemail that gives nothing away."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts.action_results import ActionResult, Effect
from alerts.incident import Incident
from alerts.voice_texts import (
    alert_call,
    checkout_call,
    escalation_call,
    keys_for,
    spoken_result,
    voicemail,
)
from tests.alerts.sitebuilder import NY

SHOOTING = Incident(id="NYPD-1", occurred_at=datetime(2026, 7, 5, 6, 4, tzinfo=UTC), lat=40.81,
                    lon=-73.92, precinct=40, borough="BRONX", fatal=False, victims=1,
                    location="E 138 ST & WILLIS AVE", hospital="Lincoln")


def test_the_repage_says_the_alert_its_number_and_the_keys():
    said = alert_call(SHOOTING, 4, "Bronx Rises", NY)
    assert said == ("This is the Crisis Management System with alert number 4 for Bronx Rises. "
                    "A shooting, 1 victim, near E 138 St & Willis Ave, precinct 40, Bronx, at "
                    "2:04 A M. Press 1 to acknowledge, 2 if you are on scene, 3 if you can't go, "
                    "or 9 to hear this again.")


@pytest.mark.parametrize(("victims", "fatal", "words"), [
    (0, False, "A shooting, shots fired, no one hit,"),
    (None, False, "A shooting, victims unknown,"),
    (2, True, "A fatal shooting, 2 victims,"),
])
def test_counts_are_said_honestly(victims, fatal, words):
    assert words in alert_call(replace(SHOOTING, victims=victims, fatal=fatal), 1, "T", NY)


def test_a_call_never_names_the_hospital_and_a_voicemail_never_names_the_place():
    assert "Lincoln" not in alert_call(SHOOTING, 1, "T", NY)
    left = voicemail("Bronx Rises")
    assert "138" not in left and "shooting" not in left.lower()
    assert left.endswith("Please check your texts now.")


def test_escalation_and_safety_calls_say_who_waits_and_for_how_long():
    assert "has no acknowledgement after 10 minutes" in escalation_call(
        SHOOTING, 2, timedelta(minutes=10, seconds=30), "Bronx Rises", NY)
    said = checkout_call(SHOOTING, 2, "Luis Feliz", SHOOTING.occurred_at, NY)
    assert "Luis Feliz has been on scene at E 138 St & Willis Ave" in said
    assert "since 2:04 A M and has not checked out. Please call them now." in said


def test_each_kind_of_call_gathers_its_own_keys():
    assert keys_for("repage") == {"1": "ack", "2": "scene", "3": "cant", "9": "repeat"}
    assert keys_for("checkout") == {"1": "heard", "9": "repeat"}
    assert keys_for("checkin") == {"9": "repeat"}


def test_what_a_key_did_is_said_back():
    done = ActionResult("scene", Effect.CHANGED, 3)
    assert spoken_result(done).startswith("You are on scene for alert number 3. Text 3 K")
    refused = ActionResult("ack", Effect.REFUSED, 3, reason="the alert is closed")
    assert spoken_result(refused) == ("That could not be done: the alert is closed. Please text "
                                      "your reply instead.")
