"""Outbound messages and their idempotency keys."""

from datetime import UTC, datetime

from alerts.incident import parse_incident
from alerts.outbound import alert_messages, delivery_key, next_number
from alerts.routing import route
from tests.alerts.sitebuilder import SITES

NOW = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)


def test_a_key_is_stable_and_different_per_incident_kind_and_recipient():
    key = delivery_key("I-1", "alert", "sms", "+12125550175")
    assert key == delivery_key("I-1", "alert", "sms", "+12125550175")
    assert len({key, delivery_key("I-2", "alert", "sms", "+12125550175"),
                delivery_key("I-1", "escalation", "sms", "+12125550175"),
                delivery_key("I-1", "alert", "sms", "+12125550176")}) == 4


def test_a_key_never_carries_the_phone_number():
    key = delivery_key("I-1", "alert", "sms", "+12125550175")
    assert "5550175" not in key and key.startswith("alert-sms-")


def test_an_incident_gives_one_sms_per_paged_phone_and_one_post_per_channel():
    incident = parse_incident({"id": "I-1", "occurred_at": "2026-07-04T23:15:00-04:00",
                               "lat": 40.67, "lon": -73.9003})
    plan = route(incident, SITES, NOW)
    numbers = {r.phone: n for n, r in enumerate(plan.recipients, start=4)}
    messages = alert_messages(incident, plan, numbers, SITES)
    sms = [m for m in messages if m.channel == "sms"]
    assert sorted(m.recipient for m in sms) == sorted(r.phone for r in plan.recipients)
    assert sorted(m.recipient for m in messages if m.channel == "slack") == ["C073BVL", "C075ENY"]
    assert len({m.key for m in messages}) == len(messages)
    ray = next(m for m in sms if m.recipient_name == "Ray Ortiz")
    assert ray.body.startswith(f"CMS ALERT #{numbers[ray.recipient]}:")


def test_the_next_short_number_fills_the_lowest_gap():
    assert next_number(set()) == 1
    assert next_number({1, 2, 4}) == 3
