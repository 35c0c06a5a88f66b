"""Plain rows for every table that has a state, each given its parent rows first."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table

from bot.store.schema import (
    broadcasts,
    chains,
    deliveries,
    incident_links,
    incident_teams,
    incidents,
    pages,
    resident_zones,
    residents,
    takedown_steps,
    takedowns,
    timeline,
)

AT = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)
PHONE = "+17185550101"
Rows = list[tuple[Table, dict[str, Any]]]


def incident(incident_id: str = "I-1", status: str = "open", **extra: Any) -> dict[str, Any]:
    return {"id": incident_id, "occurred_at": AT, "received_at": AT, "fatal": False,
            "victims": 1, "status": status, "unrouted": False, **extra}


def page(incident_id: str = "I-1", number: int = 1, **extra: Any) -> dict[str, Any]:
    return {"incident_id": incident_id, "phone": PHONE, "name": "Ray Ortiz", "role": "member",
            "team_id": "eny", "reason": "on shift", "number": number, "open": True,
            "created_at": AT, **extra}


def delivery(key: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "incident_id": None, "kind": "alert", "channel": "sms",
            "sender": "staff", "recipient": PHONE, "body": "CMS: shooting", "status": status,
            "attempts": 1, "created_at": AT, "updated_at": AT, **extra}


def chain(subject: str, **extra: Any) -> dict[str, Any]:
    return {"incident_id": "I-1", "team_id": "eny", "kind": "alert", "subject": subject,
            "started_at": AT, "steps": [{"after": 0, "to": "team"}], "next_step": 0, **extra}


def step(status: str, takedown_id: int = 1) -> dict[str, Any]:
    return {"takedown_id": takedown_id, "position": 0, "team_id": "eny", "audience": "team",
            "at": AT, "text": "Check in with the block", "status": status}


def broadcast(status: str) -> dict[str, Any]:
    return {"kind": "manual", "zone": "zip:10454", "label": "10454", "text": "Cooling center open",
            "status": status, "created_by": "Dana Reyes", "created_at": AT}


def zone(status: str) -> dict[str, Any]:
    return {"phone": PHONE, "zone": "zip:10454", "label": "10454", "status": status,
            "keyword": "JOIN", "requested_at": AT, "request_text": "JOIN 10454"}


PLAN = {"id": 1, "area": "eny", "area_label": "East New York", "date": date(2026, 7, 5),
        "playbook": "default", "teams": ["eny"], "created_by": "Dana Reyes", "created_at": AT}
RESIDENT = {"phone": PHONE, "language": "en", "created_at": AT}


def with_status(table: str, status: str) -> Rows:
    """A row of `table` in `status`, after the rows it needs."""
    return {
        "incidents": [(incidents, incident(status=status))],
        "deliveries": [(deliveries, delivery("k-1", status))],
        "takedown_steps": [(takedowns, PLAN), (takedown_steps, step(status))],
        "broadcasts": [(broadcasts, broadcast(status))],
        "resident_zones": [(residents, RESIDENT), (resident_zones, zone(status))],
    }[table]


def revision_0004() -> Rows:
    """Something in every table a state touches, as revision 0004 could have left it."""
    return [
        (incidents, incident("I-1", "on scene")),
        (incidents, incident("I-2", "closed", closed_at=AT, outcome="mediated")),
        (incident_teams, {"incident_id": "I-1", "team_id": "eny", "reason": "on shift"}),
        (pages, page(acked_at=AT, on_scene_at=AT + timedelta(minutes=9))),
        (pages, page("I-2", 1, open=False, acked_at=AT)),
        (deliveries, delivery("k-sent", "sent", incident_id="I-1", provider_id="SM1")),
        (deliveries, delivery("k-retry", "retry", incident_id="I-1")),
        # Stored by the old status-callback ranking, which took any Twilio status it knew.
        (deliveries, delivery("k-queued", "queued", incident_id="I-1", provider_id="SM2")),
        (timeline, {"incident_id": "I-1", "at": AT, "actor": "Ray Ortiz", "action": "on scene",
                    "channel": "sms", "detail": "#1"}),
        (chains, chain("", next_at=AT + timedelta(minutes=5))),
        # Resolved while its next step was being pulled forward: the old code allowed it.
        (chains, chain("checkout", next_at=AT, resolved_at=AT, resolution="closed by Ray")),
        (incident_links, {"incident_id": "I-1", "linked_id": "I-2", "distance_m": 140.0,
                          "hours": 2.0}),
        (takedowns, PLAN),
        (takedown_steps, step("approval")),
        (residents, RESIDENT),
        (resident_zones, zone("active")),
        (broadcasts, broadcast("sending")),
    ]
