"""The words staff see first: the alert SMS (GSM-7, at most two segments) and its parts."""

from __future__ import annotations

from datetime import datetime, tzinfo

from alerts.gsm import fit, segments, to_gsm7
from alerts.incident import Incident
from alerts.incident_types import SHOTS_FIRED, type_label

MAX_ALERT_SEGMENTS = 2


def clock_time(moment: datetime, tz: tzinfo) -> str:
    """A short local clock time like "11:15PM"."""
    local = moment.astimezone(tz)
    return f"{local.hour % 12 or 12}:{local:%M}{'AM' if local.hour < 12 else 'PM'}"


def when(moment: datetime, tz: tzinfo) -> str:
    """A short local time like "Sat 7/4 11:15PM"."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.month}/{local.day} {clock_time(moment, tz)}"


def headline(incident: Incident) -> str:
    """"Shooting, 2 victims, FATAL", a takedown reminder's title, or a member's SOS with their
    words: the same words everywhere."""
    if incident.kind == "takedown":
        return incident.title or "Post-takedown outreach"
    if incident.kind == "sos":
        return f'SOS: "{incident.title}"' if incident.title else "SOS"
    return _shooting(incident)


def _shooting(incident: Incident) -> str:
    """"Shooting, 2 victims, FATAL", "Shots fired, no one hit", "Police-involved shooting,
    1 victim" — the same words in SMS and Slack."""
    fatal = ", FATAL" if incident.fatal else ""
    if incident.type == SHOTS_FIRED and not incident.victims:
        # The feed's "shots fired" means no one was hit: said once, not "shots fired" twice.
        return f"Shots fired, no one hit{fatal}"
    return f"{type_label(incident.type)}, {victim_count(incident.victims)}{fatal}"


def victim_count(victims: int | None) -> str:
    """"2 victims", "shots fired, no one hit" (0) or "victims unknown" (the feed did not say):
    a missing count is never shown as one victim."""
    if victims is None:
        return "victims unknown"
    if victims == 0:
        return "shots fired, no one hit"
    return f"{victims} victim{'s' if victims != 1 else ''}"


def place(incident: Incident) -> str:
    """Where it happened, as precisely as the feed said: street, precinct, borough."""
    parts = [incident.location or "location not given"]
    if incident.precinct is not None:
        parts.append(f"Pct {incident.precinct}")
    if incident.borough:
        parts.append(incident.borough.title())
    return ", ".join(parts)


def render_alert_sms(incident: Incident, number: int, tz: tzinfo, *, unrouted: bool = False,
                     warning: str = "") -> str:
    """The staff alert: GSM-7, two segments at most, with the short number and how to reply.

    `warning` (e.g. possible retaliation) goes right under the headline.
    """
    timing = when(incident.occurred_at, tz)
    if incident.hospital:
        timing += f". Hosp: {incident.hospital}"
    lines = [
        f"CMS ALERT #{number}: {headline(incident)}",
        place(incident),
        warning,
        timing,
        "NO TEAM CATCHMENT - coordinators please assign" if unrouted else "",
        f"Reply {number}A ack, {number}S on scene, {number}N note",
    ]
    text = to_gsm7("\n".join(line for line in lines if line))
    if segments(text) <= MAX_ALERT_SEGMENTS:
        return text
    # Too long: the address is the only free text that can run on; shorten it, keep the rest.
    fixed = to_gsm7("\n".join(line for i, line in enumerate(lines) if line and i != 1))
    where = to_gsm7(lines[1])
    for keep in range(len(where) - 8, 0, -8):
        shortened = _with_place(fixed, where[:keep].rstrip() + "...")
        if segments(shortened) <= MAX_ALERT_SEGMENTS:
            return shortened
    return fit(fixed, MAX_ALERT_SEGMENTS)


def _with_place(fixed: str, where: str) -> str:
    first, _, rest = fixed.partition("\n")
    return "\n".join(part for part in (first, where, rest) if part)
