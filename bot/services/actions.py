"""What a staff action does, inside one transaction: state, timeline, chains, and who is told.

Each function takes the person's page (their own alert: that is the authorisation) and returns
what it did (an `ActionResult` that SMS and Slack each word their own way) with the work to hand
to rq once the transaction commits. A repeat (a second acknowledgement) writes nothing, so
nobody need redraw a Slack post for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.action_results import ActionResult, Effect, StaffAction
from alerts.chains import checkout_chain, step_recipients
from alerts.incident import Incident
from alerts.outbound import Outbound, delivery_key
from alerts.replies import EXTEND_MAX
from alerts.routing import Recipient
from alerts.sites import Sites
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.staff_texts import ack_notice, cant_go_notice, need_sms
from alerts.states import INCIDENT, IncidentStatus
from bot.queue.handoff import Work
from bot.services.sos import sos_acknowledged
from bot.store import chains
from bot.store.pages import Page, add_pages, all_pages, insert_messages
from bot.store.schema import incident_teams, incidents, pages, timeline
from bot.store.timeline import add_event

ACKNOWLEDGED, ON_SCENE, CLOSED = (IncidentStatus.ACKNOWLEDGED, IncidentStatus.ON_SCENE,
                                  IncidentStatus.CLOSED)


@dataclass
class Done:
    """What an action did, and the work to hand to rq after commit."""

    result: ActionResult
    work: Work = field(default_factory=Work)


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
        team = self.sites.find_team(self.page.team_id)
        return team.name if team else self.page.team_id

    def result(self, action: StaffAction, effect: Effect = Effect.CHANGED) -> ActionResult:
        """What `action` did to this actor's alert (facts added with `dataclasses.replace`)."""
        return ActionResult(action, effect, self.page.number,
                            takedown=self.incident.kind == "takedown",
                            sos=self.incident.kind == "sos")


async def perform(conn: AsyncConnection, act: Act, action: StaffAction, text: str = "",
                  outcome: str | None = None, minutes: int = 30) -> Done:
    """Carry out one action; a text given with ack, scene, safe, cant or extend is also kept
    as a note. `minutes`: how much longer an EXTEND gives."""
    if action == "ack":
        done = await acknowledge(conn, act)
    elif action == "scene":
        done = await on_scene(conn, act)
    elif action == "note":
        done = await note(conn, act, text)
    elif action == "need":
        done = await need_support(conn, act, text)
    elif action == "close":
        done = await close(conn, act, outcome or "other", text)
    elif action == "cant":
        done = await cant_go(conn, act)
    elif action == "extend":
        done = await extend(conn, act, minutes)
    else:
        done = await safe(conn, act)
    noted = bool(text) and action in ("ack", "scene", "safe", "cant", "extend")
    if noted:
        await note(conn, act, text)  # on the timeline even if the rest was a repeat
    if done.result.changed or noted:
        done.work.refresh.append(act.incident.id)  # the Slack posts show the new state
    return done


async def acknowledge(conn: AsyncConnection, act: Act) -> Done:
    """Acknowledge: stop the team's escalation once enough have, and tell everyone else alerted."""
    page = act.page
    if page.acked_at is not None:
        return Done(act.result("ack", Effect.REPEAT))
    await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                           pages.c.phone == page.phone).values(acked_at=act.now))
    await conn.execute(update(incidents).where(incidents.c.id == page.incident_id,
                                               incidents.c.status.in_(INCIDENT.sources(ACKNOWLEDGED)))
                       .values(status=ACKNOWLEDGED))
    await add_event(conn, page.incident_id, act.now, page.name, "acknowledged", act.channel,
                    f"#{page.number}", page.team_id)
    if page.team_id is not None:
        await _count_acks(conn, act)
    done = Done(act.result("ack"), Work(sends=await _notify_others(conn, act)))
    if act.incident.kind == "sos":
        done.work.sends += await sos_acknowledged(conn, page, act.now)
    await _finish_reminder(conn, act)
    return done


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
        alert = [c for c in await chains.of_incident(conn, act.page.incident_id, team_id)
                 if c.kind in ("alert", "repage")]
        await chains.resolve(conn, [c.id for c in alert], act.now, f"acknowledged by {act.page.name}")


async def _notify_others(conn: AsyncConnection, act: Act) -> list[str]:
    others = [p for p in await all_pages(conn, act.page.incident_id)
              if p.open and p.acked_at is None]
    return await _text_others(conn, act, "ack", others, lambda p: ack_notice(
        act.incident, p.number, act.page.name, act.team_name, act.now, act.sites.tz))


async def _text_others(conn: AsyncConnection, act: Act, what: str, others: list[Page],
                       body: Callable[[Page], str]) -> list[str]:
    """Tell the others paged (not the member acting) what they did, by SMS, once each."""
    # Slack-only people (no phone: "slack:U...") saw it in the post; they get no SMS.
    kind = f"{what}-notice"
    messages = [Outbound(
        key=delivery_key(f"{act.page.incident_id}:{what}:{act.page.phone}", kind, "sms", p.phone),
        incident_id=act.page.incident_id, kind=kind, channel="sms", recipient=p.phone,
        body=body(p), recipient_name=p.name, team_id=p.team_id)
        for p in others if p.phone != act.page.phone and p.phone.startswith("+")]
    return await insert_messages(conn, messages, act.now)


async def on_scene(conn: AsyncConnection, act: Act) -> Done:
    """On scene: counts as an acknowledgement, and starts the safety check-out timer."""
    page = act.page
    if page.on_scene_at is not None:
        return Done(act.result("scene", Effect.REPEAT))
    work = (await acknowledge(conn, act)).work if page.acked_at is None else Work()
    await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                           pages.c.phone == page.phone)
                       .values(on_scene_at=act.now, safe_at=None))
    await conn.execute(update(incidents).where(incidents.c.id == page.incident_id,
                                               incidents.c.status.in_(INCIDENT.sources(ON_SCENE)))
                       .values(status=ON_SCENE))
    await add_event(conn, page.incident_id, act.now, page.name, "on scene", act.channel,
                    f"#{page.number}", page.team_id)
    team = act.sites.find_team(page.team_id)
    minutes = None
    if team is not None:
        work.steps += await chains.create(conn, page.incident_id,
                                          [checkout_chain(team, page.phone, act.now)])
        minutes = int(team.safety_checkout.total_seconds() // 60)
    return Done(replace(act.result("scene"), at=act.now, checkout_minutes=minutes), work)


async def note(conn: AsyncConnection, act: Act, text: str) -> Done:
    """A note on the timeline; it also answers any follow-up that is waiting."""
    await add_event(conn, act.page.incident_id, act.now, act.page.name, "note", act.channel, text,
                    act.page.team_id)
    await _answer_followups(conn, act, "update from " + act.page.name)
    done = act.incident.kind == "takedown" and await _finish_reminder(conn, act)
    return Done(replace(act.result("note"), reminder_done=done))


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


async def need_support(conn: AsyncConnection, act: Act, text: str) -> Done:
    """Ask for support: the supervisor(s) and the coordinators are told at once."""
    page = act.page
    await add_event(conn, page.incident_id, act.now, page.name, "need support", act.channel, text,
                    page.team_id)
    team = act.sites.find_team(page.team_id)
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
    told = bool(team and team.supervisors)
    return Done(replace(act.result("need"), supervisor_told=told), Work(sends=keys, urgent=True))


async def close(conn: AsyncConnection, act: Act, outcome_name: str, text: str) -> Done:
    """Close the team's part of the incident with an outcome; the last team closes the incident."""
    page = act.page
    detail = outcome_name + (f": {text}" if text else "")
    await add_event(conn, page.incident_id, act.now, page.name, "closed", act.channel, detail,
                    page.team_id)
    if page.team_id:
        await conn.execute(update(incident_teams).where(
            incident_teams.c.incident_id == page.incident_id, incident_teams.c.team_id == page.team_id,
            incident_teams.c.closed_at.is_(None)).values(closed_at=act.now, outcome=outcome_name))
    still_open = await conn.scalar(select(func.count()).select_from(incident_teams).where(
        incident_teams.c.incident_id == page.incident_id, incident_teams.c.closed_at.is_(None)))
    whole = not still_open
    # A member still on scene keeps their page (and its number) until they check out: their
    # safety timer runs on, and 12K must still find it.
    closing = (pages.c.incident_id == page.incident_id) & ~_still_on_scene
    if not whole:
        closing = closing & (pages.c.team_id == page.team_id)
    await conn.execute(update(pages).where(closing).values(open=False))
    done = [c for c in await chains.of_incident(conn, page.incident_id,
                                                None if whole else page.team_id)
            if c.kind != "checkout"]
    await chains.resolve(conn, [c.id for c in done], act.now, f"closed by {page.name}")
    if whole:
        # Closed once: a late second close leaves the first one's time and outcome.
        await conn.execute(update(incidents).where(
            incidents.c.id == page.incident_id, incidents.c.status.in_(INCIDENT.sources(CLOSED)))
            .values(status=CLOSED, closed_at=act.now, outcome=outcome_name))
    return Done(replace(act.result("close"), outcome=outcome_name))


async def safe(conn: AsyncConnection, act: Act) -> Done:
    """Checked out safe: the safety timer stops."""
    page = act.page
    if page.on_scene_at is None or page.safe_at is not None:
        return Done(replace(act.result("safe", Effect.REFUSED), reason="nothing to check out of"))
    await end_timer(conn, page, act.now, "checked out safe")
    await add_event(conn, page.incident_id, act.now, page.name, "checked out", act.channel,
                    f"#{page.number} left the scene safe", page.team_id)
    return Done(act.result("safe"))


async def end_timer(conn: AsyncConnection, page: Page, now: datetime, resolution: str) -> None:
    """Mark a member on scene safe: their safety timer stops (the member's own check-out, or
    their supervisor's CLEAR). The caller writes who did it on the timeline."""
    await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                           pages.c.phone == page.phone).values(safe_at=now))
    timers = [c for c in await chains.of_incident(conn, page.incident_id, page.team_id or "",
                                                  "checkout") if c.subject == page.phone]
    await chains.resolve(conn, [c.id for c in timers], now, resolution)
    if await _part_closed(conn, page):
        # The close left this page open only for the check-out: its number is free now.
        await conn.execute(update(pages).where(pages.c.incident_id == page.incident_id,
                                               pages.c.phone == page.phone).values(open=False))


_still_on_scene = pages.c.on_scene_at.is_not(None) & pages.c.safe_at.is_(None)


async def _part_closed(conn: AsyncConnection, page: Page) -> bool:
    if page.team_id is None:
        closed = await conn.scalar(select(incidents.c.closed_at).where(
            incidents.c.id == page.incident_id))
    else:
        closed = await conn.scalar(select(incident_teams.c.closed_at).where(
            incident_teams.c.incident_id == page.incident_id,
            incident_teams.c.team_id == page.team_id))
    return closed is not None


async def extend(conn: AsyncConnection, act: Act, minutes: int) -> Done:
    """More time on scene: the member's safety check-out falls due `minutes` later."""
    page = act.page
    if page.on_scene_at is None or page.safe_at is not None:
        return Done(replace(act.result("extend", Effect.REFUSED), reason="no check-out timer running"))
    timers = [c for c in await chains.of_incident(conn, page.incident_id, page.team_id or "",
                                                  "checkout") if c.subject == page.phone and c.live]
    if not timers:
        return Done(replace(act.result("extend", Effect.REFUSED),
                            reason="your check-out time has passed and your supervisor was told"))
    timer = timers[0]
    # From when it was due (or now, if a worker has not run it yet), never more than the cap.
    at = min(max(timer.next_at or act.now, act.now) + timedelta(minutes=minutes),
             act.now + timedelta(minutes=EXTEND_MAX))
    due = await chains.extend(conn, timer, at, act.sites.find_team(page.team_id))
    if due is None:
        return Done(replace(act.result("extend", Effect.REFUSED), reason="no check-out timer running"))
    await add_event(conn, page.incident_id, act.now, page.name, "check-out extended", act.channel,
                    f"#{page.number} +{minutes} min", page.team_id)
    return Done(replace(act.result("extend"), until=at), Work(steps=[due]))


async def cant_go(conn: AsyncConnection, act: Act) -> Done:
    """The member cannot go: the team's next escalation step runs now, and the others paged
    on the team are told so that someone else takes it."""
    page = act.page
    said = await conn.scalar(select(func.count()).select_from(timeline).where(
        timeline.c.incident_id == page.incident_id, timeline.c.actor == page.name,
        timeline.c.action == "can't go"))
    if said:
        return Done(act.result("cant", Effect.REPEAT))
    await add_event(conn, page.incident_id, act.now, page.name, "can't go", act.channel,
                    f"#{page.number}", page.team_id)
    work = Work()
    if page.team_id is not None:
        work.steps = await chains.pull_team_forward(conn, page.incident_id, page.team_id, act.now)
        if work.steps:
            await add_event(conn, page.incident_id, act.now, "cmsbot", "escalating now", "system",
                            f"{page.name} can't go", page.team_id)
    others = [p for p in await all_pages(conn, page.incident_id)
              if p.open and p.team_id == page.team_id]
    work.sends = await _text_others(conn, act, "cant", others, lambda p: cant_go_notice(
        act.incident, p.number, page.name, act.team_name))
    return Done(replace(act.result("cant"), escalated=bool(work.steps)), work)


async def _answer_followups(conn: AsyncConnection, act: Act, resolution: str) -> None:
    waiting = [c for c in await chains.of_incident(conn, act.page.incident_id,
                                                   act.page.team_id or "", "followup")
               if c.started_at <= act.now and c.resolved_at is None]
    await chains.resolve(conn, [c.id for c in waiting], act.now, resolution)


def _unique(people: list[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for person in people:
        seen.setdefault(person.phone, person)
    return list(seen.values())
