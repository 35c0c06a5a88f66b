"""CLEAR: a supervisor (or a coordinator) ends the safety timer of a member on scene.

The supervisor has called the member and knows they are out; the member may have no signal or
a dead phone to send 12K. Only the roster decides who may: a supervisor clears members of the
teams they supervise, a coordinator anyone on scene; both act on their own page for the
incident (its number is theirs, as in every other code).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.outbound import Outbound, delivery_key
from alerts.replies import named
from alerts.sites import Sites
from alerts.staff_texts import ClearResult, clear_sms, cleared_sms
from bot.queue.handoff import Work
from bot.services.actions import Act, end_timer
from bot.store.pages import Page, all_pages, insert_messages
from bot.store.timeline import add_event


@dataclass(frozen=True)
class Clearer:
    """Whom a phone may clear: coordinators anyone, a supervisor their teams' members."""

    coordinator: bool
    teams: frozenset[str]

    @classmethod
    def of(cls, sites: Sites, phone: str) -> Clearer:
        """The powers the roster gives this phone (none for a member who is not a supervisor)."""
        teams = frozenset(team.id for team in sites.teams_of_phone(phone)
                          if any(m.phone == phone and m.role == "supervisor"
                                 for m in team.members))
        return cls(any(c.phone == phone for c in sites.coordinators), teams)

    @property
    def may_clear(self) -> bool:
        """Whether this phone may CLEAR at all."""
        return self.coordinator or bool(self.teams)

    @property
    def role(self) -> str:
        """How the member hears of who cleared them."""
        return "coordinator" if self.coordinator else "your supervisor"

    def covers(self, page: Page) -> bool:
        """Whether this phone may clear the member of `page`."""
        return page.role != "coordinator" and (self.coordinator or page.team_id in self.teams)


def clear_refusal() -> str:
    """The answer to a CLEAR from someone who may not."""
    return clear_sms(0, ClearResult(refused=True))


async def clear(conn: AsyncConnection, act: Act, wanted: str) -> tuple[str, Work]:
    """End the safety timer of the member on scene that `wanted` names (or of the only one),
    tell them, and put who did it on the timeline; the reply to the one clearing, and the work."""
    actor, number = act.page, act.page.number
    clearer = Clearer.of(act.sites, actor.phone)
    if not clearer.may_clear:
        return clear_refusal(), Work()
    on_scene = sorted((p for p in await all_pages(conn, actor.incident_id)
                       if p.on_scene_at is not None and p.safe_at is None
                       and p.phone != actor.phone and clearer.covers(p)),
                      key=lambda p: (p.on_scene_at, p.name))
    names = [p.name for p in on_scene]
    chosen = named(wanted, names)
    if len(chosen) != 1:
        return clear_sms(number, ClearResult(on_scene=tuple(names), wanted=wanted)), Work()
    member = next(p for p in on_scene if p.name == chosen[0])
    await end_timer(conn, member, act.now, f"cleared by {actor.name}")
    await add_event(conn, actor.incident_id, act.now, actor.name, "cleared check-out",
                    act.channel, f"{member.name} checked out by {actor.name}", member.team_id)
    assert member.on_scene_at is not None  # on_scene holds only members on scene
    # Once per time on scene: a member back on scene and cleared again is told again.
    scope = f"{member.incident_id}:clear:{member.phone}:{member.on_scene_at.isoformat()}"
    told = Outbound(key=delivery_key(scope, "clear-notice", "sms", member.phone),
                    incident_id=member.incident_id, kind="clear-notice", channel="sms",
                    recipient=member.phone, recipient_name=member.name, team_id=member.team_id,
                    body=cleared_sms(member.number, actor.name, clearer.role))
    sends = await insert_messages(conn, [told], act.now) if member.phone.startswith("+") else []
    reply = clear_sms(number, ClearResult(cleared=member.name))
    return reply, Work(sends=sends, refresh=[actor.incident_id])
