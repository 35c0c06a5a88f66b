"""Resident broadcasts: drafted, previewed, confirmed, then sent in paced batches.

Three sources: a coordinator's `/cms broadcast ZONE text`; a takedown playbook's `to:
residents` step, once a coordinator approves it; and, where a team turns it on, an automatic
area notice some time after a verified shooting. Recipients are fixed when the broadcast starts
(everyone signed up for an overlapping area then); each gets one delivery, in their language,
and the batch jobs send those at the configured rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts import resident_texts as texts
from alerts.areas import AreaError, overlapping, target_shape
from alerts.delivery_states import FINAL
from alerts.gsm import segments
from alerts.incident import Incident
from alerts.notices import area_wording, notice_for
from alerts.outbound import Outbound, delivery_key
from alerts.privacy import PROMISE, private_details, refusal
from alerts.resident_replies import Language
from alerts.sites import Sites
from alerts.states import BROADCAST, BroadcastStatus
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store import residents
from bot.store.pages import insert_messages
from bot.store.schema import broadcasts, deliveries

LANES = 2  # batch jobs per broadcast, so two workers share a big one
# A broadcast is confirmed (its recipients fixed, its batches started) from these, once.
CONFIRMABLE = BROADCAST.sources(BroadcastStatus.SENDING)


@dataclass(frozen=True)
class Preview:
    """What a broadcast will do: who, how long each message is, how long it takes."""

    broadcast_id: int
    label: str
    recipients: int
    segments: int
    seconds: float
    sample: str
    status: str

    @property
    def name(self) -> str:
        """B-12."""
        return f"B-{self.broadcast_id}"


class BroadcastError(ValueError):
    """A broadcast that cannot be made or confirmed."""


class PrivateText(BroadcastError):
    """A broadcast that would tell residents what they must never read; nothing was drafted.

    `english` and `spanish` are the area-level words the coordinator can send instead.
    """

    def __init__(self, refused: str, english: str, spanish: str) -> None:
        super().__init__(f"Not drafted: {PROMISE}. {refused}")
        self.english, self.spanish = english, spanish


@dataclass(frozen=True)
class Broadcaster(UseCase):
    """Drafts, confirms and schedules resident broadcasts."""

    rate: float

    async def draft(self, zone: str, text: str, created_by: str, *, text_es: str | None = None,
                    kind: str = "manual", send_at: datetime | None = None,
                    incident_id: str | None = None, takedown_step_id: int | None = None) -> Preview:
        """Store a broadcast awaiting confirmation and preview it."""
        if kind == "manual":  # notices and playbook steps are checked where they are made
            self.refuse_private(zone, [text, text_es or ""])
        async with self.engine.begin() as conn:
            broadcast_id = await insert_draft(
                conn, self.sites, zone, text, created_by, self.clock(), text_es=text_es, kind=kind,
                send_at=send_at, incident_id=incident_id, takedown_step_id=takedown_step_id)
        return await self.preview(broadcast_id)

    def refuse_private(self, zone: str, wording: Sequence[str]) -> None:
        """PrivateText naming each victim detail, hospital or exact address in the wording."""
        findings = [found for text in wording
                    for found in private_details(text, self.sites.hospitals)]
        if not findings:
            return
        try:
            english, spanish = area_wording(zone, self.sites, self.clock())
        except AreaError as exc:
            raise BroadcastError(str(exc)) from None
        raise PrivateText(refusal(findings), english, spanish)

    async def preview(self, broadcast_id: int) -> Preview:
        """Recipients now, the longest message's segments, and the time to send at the rate."""
        async with self.engine.connect() as conn:
            row = await self._row(conn, broadcast_id)
            if row.status in CONFIRMABLE:
                people = await self._recipients(conn, row.zone)
            else:
                people = [("", "en")] * int(row.recipients)
            bodies = [self._body(row, "en"), self._body(row, "es")]
        worst = max(segments(body) for body in bodies)
        seconds = len(people) * worst / self.rate if self.rate > 0 else 0.0
        return Preview(broadcast_id, row.label, len(people), worst, seconds, bodies[0], row.status)

    async def confirm(self, broadcast_id: int, confirmed_by: str) -> Preview:
        """Start sending: recipients fixed now, one delivery each, batch jobs enqueued."""
        now = self.clock()
        async with self.engine.begin() as conn:
            row = await self._row(conn, broadcast_id)
            people = await self._recipients(conn, row.zone) if row.status in CONFIRMABLE else []
            # Claimed by the guarded update: of two confirmations at once, one sends.
            claimed = await conn.execute(update(broadcasts).where(
                broadcasts.c.id == broadcast_id, broadcasts.c.status.in_(CONFIRMABLE)).values(
                status=BroadcastStatus.SENDING if people else BroadcastStatus.DONE,
                confirmed_by=confirmed_by, confirmed_at=now, recipients=len(people),
                finished_at=None if people else now))
            if not claimed.rowcount:
                raise BroadcastError(f"B-{broadcast_id} is already {row.status}")
            messages = [Outbound(
                key=delivery_key(f"broadcast:{broadcast_id}", "broadcast", "sms", phone),
                incident_id=None, kind="broadcast", channel="sms", recipient=phone,
                body=self._body(row, language), sender="resident") for phone, language in people]
            await insert_messages(conn, messages, now, batch_id=broadcast_id)
        if people:
            await self.start_batches(broadcast_id)
        return await self.preview(broadcast_id)

    async def start_batches(self, broadcast_id: int) -> None:
        """Hand the broadcast to the batch jobs (also used by reconcile after a crash)."""
        await hand_off(self.redis, Work(batches=[(broadcast_id, LANES)]), self.clock())

    async def notice_after(self, incident: Incident, team_ids: Sequence[str]) -> int | None:
        """Schedule the automatic area notice for a verified incident, where a team wants one."""
        teams = [t for t in self.sites.teams if t.id in team_ids and t.resident_notices]
        if not teams or not incident.verified:
            return None
        resources = [resource for team in teams for resource in team.resources]
        notice = notice_for(incident, self.sites, resources)
        if notice is None:
            return None
        send_at = self.clock() + min(team.resident_delay for team in teams)
        preview = await self.draft(notice.zone, notice.english, "cmsbot", kind="notice",
                                   send_at=send_at, incident_id=incident.id,
                                   text_es=notice.spanish)
        async with self.engine.begin() as conn:
            await conn.execute(update(broadcasts).where(
                broadcasts.c.id == preview.broadcast_id,
                broadcasts.c.status.in_(BROADCAST.sources(BroadcastStatus.SCHEDULED)))
                .values(status=BroadcastStatus.SCHEDULED))
        await hand_off(self.redis, Work(broadcast_starts=[(preview.broadcast_id, send_at)]),
                       self.clock())
        return preview.broadcast_id

    async def start_scheduled(self, broadcast_id: int) -> str:
        """Confirm a scheduled broadcast whose time has come; say what happened."""
        async with self.engine.connect() as conn:
            row = await self._row(conn, broadcast_id)
        if row.status != BroadcastStatus.SCHEDULED:
            return "stale"
        if row.send_at is not None and row.send_at > self.clock():
            return "not due"  # reconcile starts it when it is
        await self.confirm(broadcast_id, "cmsbot")
        return "started"

    async def pending_count(self, broadcast_id: int) -> int:
        """Deliveries of the broadcast not yet final."""
        async with self.engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(deliveries).where(
                deliveries.c.batch_id == broadcast_id,
                deliveries.c.status.not_in(FINAL))) or 0)

    async def _recipients(self, conn: AsyncConnection, zone: str) -> list[tuple[str, Language]]:
        _label, shape = target_shape(zone, self.sites)
        areas = overlapping(shape, self.sites.zones, self.sites.shapes)
        return await residents.subscribers(conn, areas)

    def _body(self, row: Any, language: Language) -> str:
        if row.kind == "notice":  # already a whole resident text, in each language
            return str(row.text_es if language == "es" and row.text_es else row.text)
        text = row.text_es if language == "es" and row.text_es else row.text
        return texts.broadcast(row.label, text, language)

    async def _row(self, conn: AsyncConnection, broadcast_id: int) -> Any:
        row = (await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))).first()
        if row is None:
            raise BroadcastError(f"no broadcast B-{broadcast_id}")
        return row


async def insert_draft(conn: AsyncConnection, sites: Sites, zone: str, text: str, created_by: str,
                       now: datetime, *, text_es: str | None = None, kind: str = "manual",
                       send_at: datetime | None = None, incident_id: str | None = None,
                       takedown_step_id: int | None = None) -> int:
    """Store a draft broadcast in the caller's transaction; its id."""
    try:
        label, _shape = target_shape(zone, sites)
    except AreaError as exc:
        raise BroadcastError(str(exc)) from None
    if not text.strip():
        raise BroadcastError("a broadcast needs a text")
    result = await conn.execute(broadcasts.insert().values(
        kind=kind, zone=zone, label=label, text=" ".join(text.split()),
        text_es=" ".join(text_es.split()) if text_es else None, status=BroadcastStatus.DRAFT,
        created_by=created_by, created_at=now, send_at=send_at, incident_id=incident_id,
        takedown_step_id=takedown_step_id).returning(broadcasts.c.id))
    return int(result.scalar_one())


def time_to_send(seconds: float) -> str:
    """"about 4 min" for a preview."""
    if seconds < 60:
        return f"about {max(int(seconds), 1)} s"
    return f"about {int(timedelta(seconds=seconds).total_seconds() // 60)} min"
