"""OFF and ON from a member's phone, and covers from Slack: overrides of the shifts that end
by themselves, with the supervisor told. Runs inside the inbound message's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import step_recipients
from alerts.outbound import Outbound, delivery_key
from alerts.overrides import Override
from alerts.roster import COORDINATORS
from alerts.routing import Recipient, texted_others
from alerts.shifts import Shift
from alerts.sites import Sites
from alerts.time_off import until_next_shift
from bot.queue.handoff import Work
from bot.store import roster as store
from bot.store.pages import insert_messages

# OFF with no time and no shift ahead: off this long, never for good by accident.
DEFAULT_OFF = timedelta(hours=12)


async def take_off(conn: AsyncConnection, sites: Sites, phone: str, until: datetime | None,
                   now: datetime, scope: str) -> tuple[str, Work]:
    """Put the member with this phone off in each of their teams until `until` (None: until
    their next shift starts), or a coordinator off the coordinators' rotation; the reply, and
    the supervisors' notice to send (the other coordinators', for a coordinator)."""
    name, groups, shifts, label = _person(sites, phone)
    ends = until or until_next_shift(shifts, now.astimezone(sites.tz)) or now + DEFAULT_OFF
    ends = max(ends, now + timedelta(minutes=1))
    for group in groups:
        await store.add_override(conn, Override(group, name, "off", now, ends), name, now)
    when = _when(ends, now, sites)
    body = f"CMS: {name} ({label}) is OFF until {when}: not paged till then."
    work = await _tell_supervisors(conn, sites, phone, body, now, f"off:{scope}")
    return f"CMS: you are OFF until {when}; no alerts till then. Text ON to come back sooner.", \
        work


async def back_on(conn: AsyncConnection, sites: Sites, phone: str, now: datetime,
                  scope: str) -> tuple[str, Work]:
    """End the member's time off now; the reply and the supervisors' notice."""
    name, groups, _, label = _person(sites, phone)
    ended = await store.end_overrides(conn, groups, name, "off", now)
    if not ended:
        return "CMS: you are not OFF; alerts reach you on your shifts.", Work()
    body = f"CMS: {name} ({label}) is back ON and paged on their shifts."
    work = await _tell_supervisors(conn, sites, phone, body, now, f"on:{scope}")
    return "CMS: you are back ON: alerts reach you on your shifts again.", work


def _person(sites: Sites, phone: str) -> tuple[str, list[str], tuple[Shift, ...], str]:
    """Who texted: their name, the groups their time off is in (their teams, or the
    coordinators' rotation for a coordinator), their shifts, and how notices name them."""
    teams = sites.teams_of_phone(phone)
    if teams:
        member = next(m for m in teams[0].members if m.phone == phone)
        return member.name, [team.id for team in teams], member.shifts, teams[0].name
    coordinator = next(c for c in sites.coordinators if c.phone == phone)
    return coordinator.name, [COORDINATORS], (), "coordinator"


def _when(ends: datetime, now: datetime, sites: Sites) -> str:
    local, today = ends.astimezone(sites.tz), now.astimezone(sites.tz).date()
    clock = f"{local:%I:%M %p}".lstrip("0").replace(":00 ", " ").lower()
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return f"tomorrow {clock}"
    return f"{local:%a %b} {local.day} {clock}"


async def _tell_supervisors(conn: AsyncConnection, sites: Sites, phone: str, body: str,
                            now: datetime, scope: str) -> Work:
    # A member's supervisors; a coordinator's (who is on no team) fellow coordinators.
    people: list[Recipient] = [p for team in sites.teams_of_phone(phone)
                               for p in step_recipients("supervisor", team, sites, now)
                               if p.role == "supervisor"]
    people = texted_others(phone, people) or texted_others(
        phone, step_recipients("coordinators", None, sites, now))
    sends = await insert_messages(conn, [Outbound(
        key=delivery_key(scope, "time-off-notice", "sms", p.phone), incident_id=None,
        kind="time-off-notice", channel="sms", recipient=p.phone, recipient_name=p.name,
        team_id=p.team_id, body=body) for p in people], now)
    return Work(sends=sends)
