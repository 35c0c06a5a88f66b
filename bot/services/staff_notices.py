"""What a member texts that the bot cannot act on still reaches a person.

A text cmsbot cannot read, from a member with an alert open or a safety timer running, goes to
their supervisor (the coordinators, when the member is the supervisor) and onto the incident's
timeline, so the Slack post shows it. A member's STOP (carrier opt-out) is honoured, and their
supervisor and the coordinators hear at once that alerts no longer reach them. Each notice is
keyed by the inbound MessageSid: a retried webhook never texts twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import step_recipients
from alerts.outbound import Outbound, delivery_key
from alerts.routing import Recipient, texted_others
from alerts.sites import Sites, Team
from alerts.staff_texts import FORWARDED_CHARS, forwarded_sms, opt_in_notice, opt_out_notice
from bot.queue.handoff import Work
from bot.store.inbound import Message
from bot.store.pages import Page, add_pages, insert_messages, open_pages
from bot.store.timeline import add_event

RECENT = timedelta(hours=12)  # an alert older than this, with no timer running, is not "open"


async def forward_unread(conn: AsyncConnection, sites: Sites, message: Message,
                         now: datetime) -> Work:
    """Forward an unreadable staff text about the member's live alert, if they have one."""
    live = [(page, incident) for page, incident in await open_pages(conn, message.phone)
            if _live(page, now)]
    if not live:
        return Work()
    # A running safety timer first: that is where a text matters most. Then the newest alert.
    page, incident = min(live, key=lambda pair: not _timer_running(pair[0]))
    team = sites.find_team(page.team_id)
    people = texted_others(message.phone, step_recipients("supervisor", team, sites, now)) \
        if team is not None else []
    if not people:  # the member is the supervisor (or a coordinator): the coordinators read it
        people = texted_others(message.phone, step_recipients("coordinators", team, sites, now))
    numbers = await add_pages(conn, page.incident_id, people, now)
    text = " ".join(message.body.split())[:FORWARDED_CHARS]
    await add_event(conn, page.incident_id, now, page.name, "texted", "sms",
                    text or "(no text)", page.team_id)
    await add_event(conn, page.incident_id, now, "cmsbot", "text forwarded", "sms",
                    "told " + ", ".join(p.name for p in people), page.team_id)
    scope = f"{page.incident_id}:forward:{message.sid}"
    sends = await insert_messages(conn, [Outbound(
        key=delivery_key(scope, "forward", "sms", p.phone), incident_id=page.incident_id,
        kind="forward", channel="sms", recipient=p.phone, recipient_name=p.name,
        team_id=p.team_id,
        body=forwarded_sms(incident, numbers[p.phone], page.name, _team_name(sites, page),
                           message.body)) for p in people], now)
    return Work(sends=sends, urgent=_timer_running(page), refresh=[page.incident_id])


async def opt_change_notices(conn: AsyncConnection, sites: Sites, message: Message, stop: bool,
                             now: datetime) -> Work:
    """Tell a member's supervisor(s) and the coordinators that the member opted out (`stop`)
    of the staff number, or back in. Residents and strangers tell nobody."""
    teams = sites.teams_of_phone(message.phone)
    coordinator = next((c for c in sites.coordinators if c.phone == message.phone), None)
    if not teams and coordinator is None:
        return Work()
    if coordinator is not None:
        who, team_name = coordinator.name, "coordinator"
    else:
        who = next(m.name for m in teams[0].members if m.phone == message.phone)
        team_name = teams[0].name
    people = [p for team in teams for p in _supervisors(team, sites, now)]
    people = texted_others(message.phone, people + step_recipients("coordinators", None, sites, now))
    body = opt_out_notice(who, team_name, message.to_number) if stop \
        else opt_in_notice(who, team_name)
    kind = "opt-out-notice" if stop else "opt-in-notice"
    scope = f"{kind}:{message.sid}"
    sends = await insert_messages(conn, [Outbound(
        key=delivery_key(scope, kind, "sms", p.phone), incident_id=None, kind=kind,
        channel="sms", recipient=p.phone, recipient_name=p.name, team_id=p.team_id, body=body)
        for p in people], now)
    return Work(sends=sends, urgent=stop)


async def has_live_alert(conn: AsyncConnection, phone: str, now: datetime) -> bool:
    """Whether the member has an alert open in the last hours, or a safety timer running."""
    return any(_live(page, now) for page, _ in await open_pages(conn, phone))


def _supervisors(team: Team, sites: Sites, now: datetime) -> list[Recipient]:
    # Only the supervisors: a team without one leaves it to the coordinators, told anyway.
    return [p for p in step_recipients("supervisor", team, sites, now) if p.role == "supervisor"]


def _live(page: Page, now: datetime) -> bool:
    recent = max(page.created_at, page.on_scene_at or page.created_at) >= now - RECENT
    return recent or _timer_running(page)


def _timer_running(page: Page) -> bool:
    return page.on_scene_at is not None and page.safe_at is None


def _team_name(sites: Sites, page: Page) -> str:
    # A coordinator's page carries the team whose escalation reached them: not their team.
    team = sites.find_team(page.team_id) if page.role != "coordinator" else None
    return team.name if team else "coordinator"

