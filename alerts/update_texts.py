"""The short SMS staff already paged get when their incident changes or is cancelled.

GSM-7 and at most two segments, like every staff text (alerts/staff_texts.py); one SMS says
everything one update changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.changes import Change
from alerts.gsm import fit, to_gsm7
from alerts.incident import Incident
from alerts.render import place, victim_count
from alerts.staff_texts import MAX_SEGMENTS


def update_sms(number: int, incident: Incident, changes: Sequence[Change]) -> str | None:
    """"CMS UPDATE #3: now FATAL; 2 victims"; None when nothing changed that staff act on."""
    fields = {change.field for change in changes}
    parts = []
    if "fatal" in fields:
        parts.append("now FATAL" if incident.fatal else "not fatal after all")
    if "victims" in fields:
        parts.append(victim_count(incident.victims))
    if "hospital" in fields:
        parts.append(f"hospital {incident.hospital}" if incident.hospital else "hospital unknown")
    if fields & {"location", "lat", "lon"}:
        parts.append(f"location now {place(incident)}")
    if not parts:
        return None
    return _sms(f"CMS UPDATE #{number}: " + "; ".join(parts))


def released_sms(number: int) -> str:
    """To a team whose catchment a corrected location left."""
    return _sms(f"CMS UPDATE #{number}: corrected location is outside your area; no need to go")


def unassigned_sms(number: int, by: str) -> str:
    """To a team a coordinator took off an incident."""
    return _sms(f"CMS #{number}: {by} took your team off this incident; no need to go")


def cancelled_sms(number: int, reason: str) -> str:
    """To everyone paged for an incident that was cancelled."""
    return _sms(f"CMS #{number} CANCELLED: {reason.rstrip('.')}. No need to respond.")


def second_report_sms(number: int, source: str) -> str:
    """To those paged for an incident that another source reported too: no new alert."""
    return _sms(f"CMS #{number}: second report from {source}; same shooting, no new alert")


def merged_sms(number: int, alert: int | None) -> str:
    """To those paged for a second report that a coordinator merged into the first one's alert
    (`alert`: their number on it, when they are paged for it)."""
    reply = f"; reply to #{alert}" if alert is not None else "; no need to respond to this one"
    return _sms(f"CMS #{number}: merged into the alert for the same shooting{reply}")


def _sms(text: str) -> str:
    return fit(to_gsm7(text), MAX_SEGMENTS)
