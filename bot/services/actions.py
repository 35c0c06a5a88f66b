"""What a staff action does, inside one transaction: state, timeline, chains, and who is told.

Each function takes the person's page (their own alert: that is the authorisation) and returns
the reply to send back plus the work to hand to rq once the transaction commits, and whether it
changed anything (a repeated acknowledgement does not: nobody need redraw a Slack post for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import Due, checkout_chain, step_recipients
from alerts.incident import Incident
from alerts.outbound import Outbound, delivery_key
from alerts.render import clock_time
from alerts.routing import Recipient
from alerts.sites import Sites
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.staff_texts import ack_notice, need_sms
from bot.store import chains
from bot.store.pages import Page, add_pages, all_pages, insert_messages
from bot.store.schema import incident_teams, incidents, pages, timeline
from bot.store.timeline import add_event


@dataclass
class Outcome:
    """The reply to the actor, and the sends and chain steps to hand to rq after commit."""

    reply: str
    keys: list[str] = field(default_factory=list)
    due: list[Due] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)
    # False when the action found its work already done and wrote nothing: the incident's Slack
    # posts already show it, so no redraw is asked for. True by default: when in doubt, redraw.
    changed: bool = True


@dataclass(frozen=True)
class Act:
    """Who is acting on which alert, through which channel, when."""

    page: Page
    incident: Incident
    sites: Sites
    now: datetime
    channel: str = "sms"

    @property
    def team_name(self) -> str:
        """The name of the actor's team for this alert (or "coordinators")."""
        if self.page.team_id is None:
            return "coordinators"
        try:
            return self.sites.team(self.page.team_id).name
        except KeyError:
            return self.page.team_id


async def acknowledge(conn: AsyncConnection, act: Act, quiet: bool = False) -> Outcome:
    """Acknowledge: stop the team's escalation once enough have, and tell everyone else alerted."""
    page, n = act.page, act.page.number
    if page.acked_at is not None:
        return Outcome(f"CMS: #{n} was already acknowledged. Reply {n}S when on scene.",
                       changed=False)
    await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                           pages.c.phone == page.phone).values(acked_at=act.now))
    await conn.execute(update(incidents).where(incidents.c.id == page.incident_id,
                                               incidents.c.status == "open")
                       .values(status="acknowledged"))
    await add_event(conn, page.incident_id, act.now, page.name, "acknowledged", act.channel,
                    f"#{n}", page.team_id)
    outcome = Outcome(f"CMS: #{n} acknowledged. Reply {n}S when on scene, {n}N to add a note.")
    if act.incident.kind == "takedown":
        outcome.reply = f"CMS: #{n} confirmed. Reply {n}N with a short report."
    if page.team_id is not None:
        await _count_acks(conn, act)
    outcome.keys += await _notify_others(conn, act)
    await _finish_reminder(conn, act)
    return outcome


async def _count_acks(conn: AsyncConnection, act: Act) -> None:
    team_id = act.page.team_id
    acked = await conn.scalar(select(func.count()).select_from(pages).where(
        pages.c.incident_id == act.page.incident_id, pages.c.team_id == team_id,
        pages.c.acked_at.is_not(None)))
    required = await conn.scalar(select(incident_teams.c.required_acks).where(
        incident_teams.c.incident_id == act.page.incident_id, incident_teams.c.team_id == team_id))
    if acked is not None and acked >= (required or 1):
        await conn.execute(update(incident_teams).where(
            incident_teams.c.incident_id == act.page.incident_id, incident_teams.c.team_id == team_id,
            incident_teams.c.acked_at.is_(None)).values(acked_at=act.now))
        alert = await chains.of_incident(conn, act.page.incident_id, team_id, "alert")
        await chains.resolve(conn, [c.id for c in alert], act.now, f"acknowledged by {act.page.name}")


async def _notify_others(conn: AsyncConnection, act: Act) -> list[str]:
    # Slack-only people (no phone: "slack:U...") saw it in the post; they get no SMS.
    others = [p for p in await all_pages(conn, act.page.incident_id)
              if p.phone != act.page.phone and p.open and p.acked_at is None
              and p.phone.startswith("+")]
    messages = [Outbound(
        key=delivery_key(f"{act.page.incident_id}:ack:{act.page.phone}", "ack-notice", "sms", p.phone),
        incident_id=act.page.incident_id, kind="ack-notice", channel="sms", recipient=p.phone,
        body=ack_notice(act.incident, p.number, act.page.name, act.team_name, act.now, act.sites.tz),
        recipient_name=p.name, team_id=p.team_id) for p in others]
    return await insert_messages(conn, messages, act.now)


async def on_scene(conn: AsyncConnection, act: Act) -> Outcome:
    """On scene: counts as an acknowledgement, and starts the safety check-out timer."""
    page, n = act.page, act.page.number
    outcome = Outcome("")
    if page.acked_at is None:
        outcome = await acknowledge(conn, act)
    if page.on_scene_at is not None:
        # Changed only if this reply was also the (first) acknowledgement.
        return Outcome(f"CMS: #{n} was already marked on scene. Reply {n}K when you leave.",
                       outcome.keys, changed=page.acked_at is None)
    await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                           pages.c.phone == page.phone)
                       .values(on_scene_at=act.now, safe_at=None))
    await conn.execute(update(incidents).where(incidents.c.id == page.incident_id,
                                               incidents.c.status.in_(("open", "acknowledged")))
                       .values(status="on scene"))
    await add_event(conn, page.incident_id, act.now, page.name, "on scene", act.channel, f"#{n}",
                    page.team_id)
    limit = ""
    if page.team_id is not None and _has_team(act.sites, page.team_id):
        team = act.sites.team(page.team_id)
        outcome.due += await chains.create(conn, page.incident_id,
                                           [checkout_chain(team, page.phone, act.now)])
        limit = f" (we check at {int(team.safety_checkout.total_seconds() // 60)} min)"
    outcome.reply = (f"CMS: #{n} on scene at {clock_time(act.now, act.sites.tz)}. Stay safe. "
                     f"Reply {n}K when you leave{limit}.")
    return outcome


async def note(conn: AsyncConnection, act: Act, text: str) -> Outcome:
    """A note on the timeline; it also answers any follow-up that is waiting."""
    await add_event(conn, act.page.incident_id, act.now, act.page.name, "note", act.channel, text,
                    act.page.team_id)
    await _answer_followups(conn, act, "update from " + act.page.name)
    if act.incident.kind == "takedown" and await _finish_reminder(conn, act):
        return Outcome(f"CMS: report added to #{act.page.number}; this reminder is done. Thank you.")
    return Outcome(f"CMS: note added to #{act.page.number}.")


async def _finish_reminder(conn: AsyncConnection, act: Act) -> bool:
    """A takedown reminder is done once the team has confirmed it and sent a report."""
    if act.incident.kind != "takedown" or act.page.team_id is None:
        return False
    acked = await conn.scalar(select(incident_teams.c.acked_at).where(
        incident_teams.c.incident_id == act.page.incident_id,
        incident_teams.c.team_id == act.page.team_id))
    reported = await conn.scalar(select(func.count()).select_from(timeline).where(
        timeline.c.incident_id == act.page.incident_id, timeline.c.action == "note"))
    if acked is None or not reported:
        return False
    await close(conn, act, "reported", "")
    return True


async def need_support(conn: AsyncConnection, act: Act, text: str) -> Outcome:
    """Ask for support: the supervisor(s) and the coordinators are told at once."""
    page = act.page
    await add_event(conn, page.incident_id, act.now, page.name, "need support", act.channel, text,
                    page.team_id)
    team = act.sites.team(page.team_id) if page.team_id and _has_team(act.sites, page.team_id) \
        else None
    people: list[Recipient] = []
    if team is not None:
        people = step_recipients("supervisor", team, act.sites, act.now)
    people += step_recipients("coordinators", team, act.sites, act.now)
    people = [p for p in _unique(people) if p.phone != page.phone]
    numbers = await add_pages(conn, page.incident_id, people, act.now)
    scope = f"{page.incident_id}:need:{page.phone}:{act.now.isoformat()}"
    messages = [Outbound(
        key=delivery_key(scope, "need", "sms", p.phone), incident_id=page.incident_id, kind="need",
        channel="sms", recipient=p.phone, recipient_name=p.name, team_id=p.team_id,
        body=need_sms(act.incident, numbers[p.phone], page.name, act.team_name, text))
        for p in people]
    if act.sites.coordinators_channel:
        teams = (TeamState(page.team_id, act.team_name, f"{page.name} needs support"),) \
            if page.team_id else ()
        post = incident_post(PostState(act.incident, teams=teams,
                                       warning=f"NEED SUPPORT from {page.name}: {text}"),
                             act.sites.tz, page.team_id)
        messages.append(Outbound(
            key=delivery_key(scope, "need", "slack", act.sites.coordinators_channel),
            incident_id=page.incident_id, kind="need", channel="slack",
            recipient=act.sites.coordinators_channel, body=post.text, blocks=post.blocks))
    keys = await insert_messages(conn, messages, act.now)
    await add_event(conn, page.incident_id, act.now, "cmsbot", "support requested", "sms",
                    "told " + ", ".join(p.name for p in people), page.team_id)
    return Outcome(f"CMS: support request for #{page.number} sent to "
                   f"{'your supervisor and ' if team and team.supervisors else ''}the coordinators.",
                   keys)


async def close(conn: AsyncConnection, act: Act, outcome_name: str, text: str) -> Outcome:
    """Close the team's part of the incident with an outcome; the last team closes the incident."""
    page = act.page
    detail = outcome_name + (f": {text}" if text else "")
    await add_event(conn, page.incident_id, act.now, page.name, "closed", act.channel, detail,
                    page.team_id)
    team_ids = [page.team_id] if page.team_id else []
    if team_ids:
        await conn.execute(update(incident_teams).where(
            incident_teams.c.incident_id == page.incident_id, incident_teams.c.team_id == page.team_id,
            incident_teams.c.closed_at.is_(None)).values(closed_at=act.now, outcome=outcome_name))
    still_open = await conn.scalar(select(func.count()).select_from(incident_teams).where(
        incident_teams.c.incident_id == page.incident_id, incident_teams.c.closed_at.is_(None)))
    whole = not still_open
    closing = pages.c.incident_id == page.incident_id
    if not whole:
        closing = closing & (pages.c.team_id == page.team_id)
    await conn.execute(update(pages).where(closing).values(open=False))
    done = await chains.of_incident(conn, page.incident_id, None if whole else page.team_id)
    await chains.resolve(conn, [c.id for c in done], act.now, f"closed by {page.name}")
    if whole:
        await conn.execute(update(incidents).where(incidents.c.id == page.incident_id).values(
            status="closed", closed_at=act.now, outcome=outcome_name))
    return Outcome(f"CMS: #{page.number} closed ({outcome_name}). Thank you.")


async def safe(conn: AsyncConnection, act: Act) -> Outcome:
    """Checked out safe: the safety timer stops."""
    page = act.page
    if page.on_scene_at is None or page.safe_at is not None:
        return Outcome(f"CMS: #{page.number}: nothing to check out of. Reply {page.number}S "
                       "when you arrive on scene.", changed=False)
    await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                           pages.c.phone == page.phone).values(safe_at=act.now))
    timers = [c for c in await chains.of_incident(conn, page.incident_id, page.team_id or "",
                                                  "checkout") if c.subject == page.phone]
    await chains.resolve(conn, [c.id for c in timers], act.now, "checked out safe")
    await add_event(conn, page.incident_id, act.now, page.name, "checked out", act.channel,
                    f"#{page.number} left the scene safe", page.team_id)
    return Outcome(f"CMS: #{page.number} checked out. Glad you're safe.")


async def _answer_followups(conn: AsyncConnection, act: Act, resolution: str) -> None:
    waiting = [c for c in await chains.of_incident(conn, act.page.incident_id,
                                                   act.page.team_id or "", "followup")
               if c.started_at <= act.now and c.resolved_at is None]
    await chains.resolve(conn, [c.id for c in waiting], act.now, resolution)


def _has_team(sites: Sites, team_id: str) -> bool:
    return any(team.id == team_id for team in sites.teams)


def _unique(people: list[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for person in people:
        seen.setdefault(person.phone, person)
    return list(seen.values())
