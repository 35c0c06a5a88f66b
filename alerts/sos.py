"""A member's SOS, in words: what the supervisor and coordinators read, and what the member hears.

An SOS is an incident of kind "sos" (`SOS-4`): its `title` keeps the member's words and its
place is the member's last scene, if any, so that every later text and call can say them again.
Never sent to residents; never counted as a shooting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.gsm import fit, to_gsm7
from alerts.incident import Incident
from alerts.render import place
from alerts.sites import Sites, Team

MAX_SEGMENTS = 2
TEXT_CHARS = 200  # the member's words kept with the SOS (the incidents.title column)


@dataclass(frozen=True)
class Raiser:
    """Who raised an SOS: their name, and their team (None: a coordinator)."""

    phone: str
    name: str
    team: Team | None

    @property
    def team_name(self) -> str:
        """Their team's name, or "coordinator"."""
        return self.team.name if self.team else "coordinator"


def raiser(sites: Sites, phone: str) -> Raiser:
    """The staff member texting from `phone` (their first team, if on several)."""
    for team in sites.teams_of_phone(phone):
        for member in team.members:
            if member.phone == phone:
                return Raiser(phone, member.name, team)
    name = next((c.name for c in sites.coordinators if c.phone == phone), "A staff member")
    return Raiser(phone, name, None)


def sos_incident(incident_id: str, raised_at: datetime, text: str,
                 last_scene: Incident | None) -> Incident:
    """The SOS as an incident: at the member's last scene (if any), carrying their words."""
    scene = last_scene
    return Incident(id=incident_id, occurred_at=raised_at,
                    lat=scene.lat if scene else None, lon=scene.lon if scene else None,
                    precinct=scene.precinct if scene else None,
                    borough=scene.borough if scene else None,
                    location=scene.location if scene else None, victims=None, source="sos",
                    verified=True, kind="sos", title=words(text) or None)


def words(text: str) -> str:
    """The member's words as kept: spaces tidied, cut to what the SOS can hold."""
    return " ".join(text.split())[:TEXT_CHARS]


def last_scene_of(sos: Incident) -> str | None:
    """The last scene an SOS incident was placed at (None: the member was on no scene)."""
    return place(sos) if sos.location or sos.precinct is not None else None


def sos_sms(sos: Incident, number: int, who: str, team_name: str, waited_minutes: int = 0
            ) -> str:
    """The SOS text to a supervisor or coordinator (`waited_minutes`: a repeat's wait so far)."""
    said = f": '{sos.title}'" if sos.title else ""
    scene = last_scene_of(sos)
    head = f"CMS SOS #{number}" + (f", no answer after {waited_minutes} min" if waited_minutes
                                   else "")
    return _sms(f"{head}: {who} ({team_name}) needs help now{said}",
                f"Last on scene: {scene}" if scene else "",
                f"Call them. Reply {number}A to acknowledge")


def raised_reply(supervisor_told: bool, asked_help: bool = False) -> str:
    """The answer to the member who raised the SOS (`asked_help`: a bare HELP raised it, so
    the codes follow, as carriers expect HELP to be answered)."""
    told = "your supervisor and the coordinators" if supervisor_told else "the coordinators"
    codes = (" Only wanted the codes? 12A ack, 12S on scene, 12K checked out, STATUS; STOP "
             "opts out.") if asked_help else ""
    return _sms(f"CMS: SOS sent to {told}. Calling them now.{codes}")


def answered_sms(by: str, role: str) -> str:
    """To the member: someone has their SOS."""
    return _sms(f"CMS: {by} ({role}) got your SOS.")


def _sms(*lines: str) -> str:
    return fit(to_gsm7("\n".join(line for line in lines if line)), MAX_SEGMENTS)
