"""A member's SOS: raised inside the inbound SMS's transaction, answered by an acknowledgement.

Raising it stores an incident of kind "sos" (`SOS-4`), pages the member's supervisor(s) and
every coordinator at once by text and call, posts it in the team's and the coordinators'
Slack channels, and starts a chain that calls the next coordinator in turn until someone
acknowledges (`4A`, key 1 on the call, the Acknowledge button, `/cms ack SOS-4`). The inbound
message is acted on once (bot.store.inbound), so a retried webhook raises nothing more; every
delivery is keyed by the SOS's id. The member who raised it is never paged for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import sos_chain, step_recipients
from alerts.contacts import BOTH, Contact, ways_taken
from alerts.incident import Incident
from alerts.outbound import Outbound, delivery_key
from alerts.routing import Recipient, texted_others
from alerts.sites import Sites
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.sos import Raiser, answered_sms, last_scene_of, raised_reply, sos_incident, sos_sms
from alerts.states import IncidentStatus
from alerts.voice_texts import sos_call
from bot.queue.handoff import Work
from bot.store import chains
from bot.store.dialect import lock_keys
from bot.store.pages import Page, add_pages, incident_from_row, insert_messages
from bot.store.schema import incident_teams, incidents, pages
from bot.store.timeline import add_event


async def raise_sos(conn: AsyncConnection, sites: Sites, member: Raiser, text: str,
                    now: datetime, asked_help: bool = False) -> tuple[str, Work]:
    """Raise an SOS for `member` with their words: the reply to them, and the work for rq.
    `asked_help`: a bare HELP raised it (the reply then has the codes too)."""
    team = member.team
    sos = await _insert(conn, member, text, now)
    supervisors: list[Recipient] = []
    if team is not None:
        # Routed to the team, so that its supervisor may acknowledge it from Slack too.
        await conn.execute(incident_teams.insert().values(
            incident_id=sos.id, team_id=team.id, reason=f"SOS from {member.name}",
            required_acks=1))
        supervisors = [p for p in step_recipients("supervisor", team, sites, now)
                       if p.role == "supervisor"]
    people = texted_others(member.phone, supervisors
                        + step_recipients("coordinators", team, sites, now))
    numbers = await add_pages(conn, sos.id, people, now, fresh=True)
    messages = [Outbound(
        key=delivery_key(f"{sos.id}:raised", "sos", way, p.phone), incident_id=sos.id,
        kind="sos", channel=way, recipient=p.phone, recipient_name=p.name, team_id=p.team_id,
        body=sos_sms(sos, numbers[p.phone], member.name, member.team_name) if way == "sms"
        else sos_call(member.name, member.team_name, sos.title or "", last_scene_of(sos)))
        for p in people for way in _ways(sites, p)]
    messages += _posts(sites, sos, member)
    await add_event(conn, sos.id, now, member.name, "SOS", "sms", sos.title or "(no text)",
                    team.id if team else None)
    await add_event(conn, sos.id, now, "cmsbot", "SOS sent", "sms+voice",
                    "told " + (", ".join(f"{p.name} ({p.role})" for p in people) or "nobody"),
                    team.id if team else None)
    keys = await insert_messages(conn, messages, now, fresh=True)
    due = await chains.create(conn, sos.id, [sos_chain(team.id if team else "", member.phone,
                                                       now)], fresh=True)
    return raised_reply(bool(supervisors), asked_help), Work(sends=keys, urgent=True, steps=due)


async def sos_acknowledged(conn: AsyncConnection, page: Page, now: datetime) -> list[str]:
    """Someone acknowledged an SOS: its calls stop, and the member hears who has them (once:
    only the first acknowledgement finds the chain still running)."""
    running = [c for c in await chains.of_incident(conn, page.incident_id, kind="sos")
               if c.resolved_at is None]
    if not running:
        return []
    await chains.resolve(conn, [c.id for c in running], now, f"acknowledged by {page.name}")
    member = running[0].subject
    return await insert_messages(conn, [Outbound(
        key=delivery_key(f"{page.incident_id}:answered", "sos-answered", "sms", member),
        incident_id=page.incident_id, kind="sos-answered", channel="sms", recipient=member,
        body=answered_sms(page.name, page.role))], now)


async def _insert(conn: AsyncConnection, member: Raiser, text: str, now: datetime) -> Incident:
    scene = await _last_scene(conn, member.phone)
    await lock_keys(conn, ["sos-number"])  # two SOSes at once must not take the same number
    count = await conn.scalar(select(func.count()).select_from(incidents).where(
        incidents.c.kind == "sos"))
    sos = sos_incident(f"SOS-{(count or 0) + 1}", now, text, scene)
    await conn.execute(incidents.insert().values(
        id=sos.id, occurred_at=now, received_at=now, lat=sos.lat, lon=sos.lon,
        precinct=sos.precinct, borough=sos.borough, fatal=False, victims=None,
        location=sos.location, hospital=None, source="sos", verified=True,
        status=IncidentStatus.OPEN, unrouted=False, kind="sos", title=sos.title))
    return sos


async def _last_scene(conn: AsyncConnection, phone: str) -> Incident | None:
    """The shooting the member was last on scene at, if any."""
    row = (await conn.execute(
        select(incidents).join(pages, pages.c.incident_id == incidents.c.id)
        .where(pages.c.phone == phone, pages.c.on_scene_at.is_not(None),
               incidents.c.kind == "shooting")
        .order_by(pages.c.on_scene_at.desc()).limit(1))).first()
    return incident_from_row(row._mapping) if row else None


def _posts(sites: Sites, sos: Incident, member: Raiser) -> list[Outbound]:
    """The SOS in the team's channel and the coordinators': kind "alert", the live posts that
    are redrawn as it is acknowledged."""
    warning = f"SOS from {member.name} ({member.team_name})" + (
        f": {sos.title}" if sos.title else "")
    team = member.team
    teams = (TeamState(team.id, team.name, f"SOS from {member.name}"),) if team else ()
    channels: list[tuple[str, str | None]] = \
        [(team.slack_channel, team.id)] if team and team.slack_channel else []
    if sites.coordinators_channel:
        channels.append((sites.coordinators_channel, None))
    posts = []
    for channel, team_id in channels:
        post = incident_post(PostState(sos, teams=teams, warning=warning), sites.tz, team_id)
        posts.append(Outbound(key=delivery_key(sos.id, "alert", "slack", channel),
                              incident_id=sos.id, kind="alert", channel="slack",
                              recipient=channel, body=post.text, blocks=post.blocks,
                              team_id=team_id))
    return posts


def _ways(sites: Sites, person: Recipient) -> tuple[Contact, ...]:
    # Texted and called, unless the member listed texts only (coordinators take both).
    member = next((m for t in sites.teams for m in t.members if m.phone == person.phone), None)
    return tuple(ways_taken(BOTH, member.contact if member else None))


