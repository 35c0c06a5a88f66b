"""Inbound SMS: kept first, then acted on once, answered by TwiML or, later, by an SMS.

`keep` makes the message durable (one fast write: a retry of the same MessageSid is known from
then on). `answer` acts on it in one transaction that also marks it handled, so it is acted on
once whoever tries: mirror STOP/START, find who is writing (only the roster may act; strangers
learn nothing about incidents), parse, find the alert by its short number, act, keep the reply.
The webhook answers inline when it can within its budget; otherwise a worker answers, and the
reply goes out as an ordinary SMS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.action_results import is_staff_action, sms_reply
from alerts.outbound import Outbound, Sender, delivery_key
from alerts.phone import PhoneError, normalise
from alerts.replies import EXTEND_DEFAULT, Refused, Reply, opt_keyword, parse_reply
from alerts.sos import raiser
from alerts.staff_texts import (
    HELP,
    STRANGER_HELP,
    OpenAlert,
    checkout_question,
    status_sms,
    which_one_sms,
)
from alerts.states import AnsweredVia, InboundState
from alerts.time_off import Consent, On, TimeOff, parse_time_off
from bot.queue.handoff import Work, hand_off
from bot.services.actions import Act, perform
from bot.services.base import UseCase
from bot.services.clearing import Clearer, clear, clear_refusal
from bot.services.resident_inbox import ResidentInbox
from bot.services.sos import raise_sos
from bot.services.staff_notices import forward_unread, has_live_alert, opt_change_notices
from bot.services.time_off import back_on, take_off
from bot.store import inbound
from bot.store import roster as roster_store
from bot.store.engine import autocommit
from bot.store.inbound import Message
from bot.store.pages import insert_messages, open_pages

_CODE = {"ack": "A", "scene": "S", "note": "N", "need": "N", "close": "C", "safe": "K",
         "cant": "X", "extend": "K"}


class TooLate(Exception):
    """The webhook's budget ran out before the answer committed: it was rolled back."""


@dataclass
class Outcome:
    """The reply to send back (empty: none) and the work for rq once the reply is stored."""

    reply: str
    work: Work = field(default_factory=Work)


@dataclass(frozen=True)
class Kept:
    """An inbound SMS made durable. `earlier`: what became of it, when its MessageSid was seen
    before (a Twilio retry)."""

    message: Message
    earlier: inbound.Earlier | None = None

    @property
    def fresh(self) -> bool:
        """Seen for the first time: to be acted on."""
        return self.earlier is None

    def earlier_twiml(self) -> str | None:
        """What a retry answers in TwiML: the first answer if TwiML carried it, else nothing
        (it went, or goes, out as an SMS; or the message is still being acted on)."""
        earlier = self.earlier
        if earlier is None or earlier.answered_via is not AnsweredVia.TWIML:
            return None
        return earlier.reply


@dataclass(frozen=True)
class SmsInbox(UseCase):
    """Handles inbound SMS on the staff and the resident number."""

    resident_number: str | None = None

    async def keep(self, form: Mapping[str, str], *, deferred: bool = False) -> Kept:
        """Make the message durable before anything else: one INSERT, committed on its own.
        `deferred`: the webhook will not act on it, a worker will."""
        (kept,) = await self.keep_many([(message_of(form, self.resident_number), deferred)])
        return kept

    async def keep_many(self, messages: Sequence[tuple[Message, bool]]) -> list[Kept]:
        """`keep` for many messages in one statement; a MessageSid twice in them is fresh once."""
        states = [(message, InboundState.DEFERRED if deferred else InboundState.RECEIVED)
                  for message, deferred in messages]
        async with autocommit(self.engine) as conn:
            fresh = await inbound.first_times(conn, states, self.clock())
            seen = [message.sid for message, _ in messages if message.sid not in fresh]
            known = await inbound.earlier_many(conn, seen) if seen else {}
        kept = []
        for message, state in states:
            if message.sid in fresh:
                fresh.discard(message.sid)  # a second copy in this batch is a retry of it
                kept.append(Kept(message))
            else:
                kept.append(Kept(message, known.get(message.sid,
                                                    inbound.Earlier(state, None, None))))
        return kept

    async def answer(self, sid: str, via: AnsweredVia, deadline: float | None = None
                     ) -> str | None:
        """Act on a kept message once and return its reply (None: no reply, or acted on
        already). With `via` SMS the reply is sent as an SMS; with TWIML the caller answers with
        it. Past `deadline` (the event loop's time) nothing is committed: TooLate."""
        now = self.clock()
        async with self.engine.begin() as conn:
            message = await inbound.claim(conn, sid, now)
            if message is None:
                return None
            reply, work = await self._act_and_keep(conn, message, via, now)
            if deadline is not None and asyncio.get_running_loop().time() > deadline:
                raise TooLate(sid)
        # Shielded: the reply is committed; its sends and redraws must be queued even if the
        # webhook waiting for this gives up now.
        await asyncio.shield(hand_off(self.redis, work, now))
        return reply

    async def defer(self, sid: str) -> None:
        """Leave a kept message to the workers' drain after all (its webhook ran out of time)."""
        async with autocommit(self.engine) as conn:
            await inbound.defer(conn, sid)

    async def answer_deferred(self, seconds: float, lanes: int = 4) -> tuple[int, bool]:
        """Answer the messages left for a worker, oldest first, each in its own transaction and
        its reply sent as an SMS, `lanes` at a time, for about `seconds`; how many were
        answered, and whether some are left. (SQLite takes one writer at a time: one lane.)"""
        if self.engine.dialect.name == "sqlite":
            lanes = 1
        stop = asyncio.get_running_loop().time() + seconds
        # A lane that fails (a deadlock PostgreSQL broke) cancels the others: their open
        # transactions roll back, and their messages wait for the next drain.
        async with asyncio.TaskGroup() as group:
            runs = [group.create_task(self._drain_lane(stop)) for _ in range(lanes)]
        counts = [run.result() for run in runs]
        return sum(answered for answered, _ in counts), any(more for _, more in counts)

    async def _drain_lane(self, stop: float) -> tuple[int, bool]:
        loop, answered = asyncio.get_running_loop(), 0
        while loop.time() < stop:
            now = self.clock()
            async with self.engine.begin() as conn:
                message = await inbound.claim_next_deferred(conn, now)
                if message is None:
                    return answered, False
                _reply, work = await self._act_and_keep(conn, message, AnsweredVia.SMS, now)
            await hand_off(self.redis, work, now)
            answered += 1
        return answered, True

    async def _act_and_keep(self, conn: AsyncConnection, message: Message, via: AnsweredVia,
                            now: datetime) -> tuple[str | None, Work]:
        """Act on a claimed message and keep its reply (sent as an SMS when `via` is SMS)."""
        outcome, kind = await self._dispatch(conn, message, now)
        reply = outcome.reply or None
        if reply and via is AnsweredVia.SMS:
            outcome.work.sends += await insert_messages(conn, [self._reply(message, reply)], now)
        await inbound.save_reply(conn, message.sid, reply, kind, via if reply else None)
        return reply, outcome.work

    async def answer_later(self, sid: str) -> str:
        """The worker's turn, after the webhook answered without a reply: act and send the
        reply as an SMS; or, if the webhook's own attempt did commit after all, send its reply."""
        if await self.answer(sid, AnsweredVia.SMS) is not None:
            return "answered by SMS"
        now = self.clock()
        async with self.engine.begin() as conn:
            reply = await inbound.answered_by_sms(conn, sid)
            message = await inbound.message(conn, sid) if reply is not None else None
            if reply is None or message is None:
                return "nothing to answer"
            keys = await insert_messages(conn, [self._reply(message, reply)], now)
        await hand_off(self.redis, Work(sends=keys), now)
        return "answered by SMS after the webhook"

    async def handle(self, form: Mapping[str, str]) -> str | None:
        """Keep and answer in one go, for the TwiML (a retry gets the first answer)."""
        kept = await self.keep(form)
        if not kept.fresh:
            return kept.earlier_twiml()
        return await self.answer(kept.message.sid, AnsweredVia.TWIML)

    def _reply(self, message: Message, reply: str) -> Outbound:
        sender: Sender = "resident" if self._to_residents(message) else "staff"
        return Outbound(key=delivery_key(f"reply:{message.sid}", "reply", "sms", message.phone),
                        incident_id=None, kind="reply", channel="sms", recipient=message.phone,
                        body=reply, sender=sender)

    def _to_residents(self, message: Message) -> bool:
        # A text through the residents' Messaging Service is kept as sent to it (message_of).
        return bool(self.resident_number) and message.to_number == self.resident_number

    async def _dispatch(self, conn: AsyncConnection, message: Message,
                        now: datetime) -> tuple[Outcome, str]:
        phone, body = message.phone, message.body
        sender = "resident" if self._to_residents(message) else "staff"
        keyword = (message.opt_out_type or "").lower() or opt_keyword(body)
        if keyword in ("stop", "start"):
            # Twilio itself confirms an opt-out; anything we said would be blocked anyway. A
            # member's supervisor and the coordinators must know alerts no longer reach them.
            changed = await inbound.opt_out(conn, phone, sender, now, "STOP reply") \
                if keyword == "stop" else await inbound.opt_in(conn, phone, sender)
            told = Work()
            if changed and sender == "staff":
                told = await opt_change_notices(conn, self.sites, message, keyword == "stop",
                                                now)
            return Outcome("", told), keyword
        if sender == "resident":
            reply, kind = await ResidentInbox(self.sites).handle(conn, phone, body, now)
            if kind == "unknown":  # the reply is the help, rate-limited like a stranger's
                return await self._help(conn, phone, now, reply, always=keyword == "help")
            return Outcome(reply), kind
        if not self.sites.is_staff(phone):
            # Someone not on the roster learns nothing about incidents, and hears from us once
            # an hour at most (auto-responders would otherwise loop with us).
            return await self._help(conn, phone, now, STRANGER_HELP, always=keyword == "help")
        availability = parse_time_off(body, now, self.sites.tz)
        if isinstance(availability, Consent):
            return Outcome(await self._consent(conn, phone, now)), "yes"
        if isinstance(availability, (TimeOff, On)) and self._takes_time_off(phone):
            if isinstance(availability, On):
                reply, work = await back_on(conn, self.sites, phone, now, message.sid)
                return Outcome(reply, work), "on"
            reply, work = await take_off(conn, self.sites, phone, availability.until, now,
                                         message.sid)
            return Outcome(reply, work), "off"
        if isinstance(availability, Refused):
            return Outcome(f"CMS: {availability.reason}"), "off"
        parsed = parse_reply(body)
        if isinstance(parsed, Reply) and parsed.action == "okay":
            timers = [page.number for page, _ in await open_pages(conn, phone)
                      if page.on_scene_at is not None and page.safe_at is None]
            if timers:
                return Outcome(checkout_question(timers)), "okay"
            parsed = Refused(f"not a reply code: {body.strip()[:20]!r}")
        if isinstance(parsed, Reply) and await self._is_sos(conn, phone, parsed, now):
            text = parsed.text if parsed.action == "sos" else (parsed.text or body)
            reply, work = await raise_sos(conn, self.sites, raiser(self.sites, phone), text, now,
                                          asked_help=parsed.action == "help")
            return Outcome(reply, work), "sos"
        if isinstance(parsed, Refused):
            if keyword == "help":
                return Outcome(HELP), "help"
            outcome, kind = await self._help(conn, phone, now, f"CMS: not understood "
                                             f"({parsed.reason}). {HELP}", always=False)
            # Every time, even when the help is not sent again: a member on scene who cannot
            # get a code right is still heard, by their supervisor.
            outcome.work = await forward_unread(conn, self.sites, message, now)
            return outcome, kind
        if parsed.action == "help":
            return Outcome(HELP), "help"
        if parsed.action == "clear" and not Clearer.of(self.sites, phone).may_clear:
            return Outcome(clear_refusal()), "clear"
        return await self._act(conn, phone, parsed, now), parsed.action

    def _takes_time_off(self, phone: str) -> bool:
        # Members, for their teams; coordinators, for the coordinators' rotation.
        return bool(self.sites.teams_of_phone(phone)) or any(
            c.phone == phone for c in self.sites.coordinators)

    async def _consent(self, conn: AsyncConnection, phone: str, now: datetime) -> str:
        teams = await roster_store.verify_phone(conn, phone, now)
        if not teams:
            return "CMS: this number already receives CMS alerts. Reply HELP for the codes."
        names = ", ".join(team.name for team_id in teams
                          if (team := self.sites.find_team(team_id)) is not None)
        return f"CMS: thank you. This number now receives CMS alerts from {names or 'CMS'}."

    async def _is_sos(self, conn: AsyncConnection, phone: str, reply: Reply,
                      now: datetime) -> bool:
        """SOS always; a bare HELP, or a NEED with no number, when no alert of the member's is
        live: with nothing open, a plea must reach people, not get the codes or "no alerts"."""
        if reply.action == "sos":
            return True
        if reply.action == "help" or (reply.action == "need" and reply.number is None):
            return not await has_live_alert(conn, phone, now)
        return False

    async def _help(self, conn: AsyncConnection, phone: str, now: datetime, text: str,
                    always: bool) -> tuple[Outcome, str]:
        if not always and await inbound.helped_recently(conn, phone, now):
            return Outcome(""), "quiet"
        return Outcome(text), "help"

    async def _act(self, conn: AsyncConnection, phone: str, reply: Reply,
                   now: datetime) -> Outcome:
        mine = await open_pages(conn, phone)
        alerts = [OpenAlert(page.number, incident, page.state) for page, incident in mine]
        if reply.action == "status":
            return Outcome(status_sms(alerts, self.sites.tz))
        if reply.number is not None:
            chosen = [(p, i) for p, i in mine if p.number == reply.number]
            if not chosen:
                numbers = ", ".join(f"#{a.number}" for a in alerts) or "none"
                return Outcome(f"CMS: you have no open alert #{reply.number}. "
                               f"Your open alerts: {numbers}.")
        elif len(mine) == 1:
            chosen = mine
        elif not mine:
            return Outcome("CMS: you have no open alerts.")
        elif reply.action == "clear":
            return Outcome(which_one_sms(alerts, "", "CLEAR"))
        else:
            return Outcome(which_one_sms(alerts, _CODE[reply.action]))
        page, incident = chosen[0]
        action = reply.action
        if action == "clear":
            text, work = await clear(conn, Act(page, incident, self.sites, now), reply.text)
            return Outcome(text, work)
        assert is_staff_action(action)  # status and help were answered above
        done = await perform(conn, Act(page, incident, self.sites, now), action, reply.text,
                             reply.outcome, reply.minutes or EXTEND_DEFAULT)
        return Outcome(sms_reply(done.result, self.sites.tz), done.work)


def message_of(form: Mapping[str, str], resident_from: str | None = None) -> Message:
    """The inbound SMS a verified webhook form carries. `resident_from`: TWILIO_RESIDENT_FROM,
    a number or a Messaging Service sid."""
    to = form.get("To", "")
    if resident_from and form.get("MessagingServiceSid") == resident_from:
        # Through the residents' Messaging Service, `To` is one of its pool's numbers, which
        # we are never told: kept as sent to the service, it is known as a resident's text
        # (their STOP is theirs, not staff's) whoever answers it, now or after a deferral.
        to = resident_from
    return Message(form.get("MessageSid") or form.get("SmsSid") or "",
                   _phone(form.get("From", "")), to, form.get("Body", ""),
                   (form.get("OptOutType") or "")[:12] or None)


@lru_cache(maxsize=4096)
def _phone(raw: str) -> str:
    # Cached: parsing a number was a tenth of a reply's Python, and the same few members text
    # again and again (a pure function of the text, so nothing goes stale).
    try:
        return normalise(raw)
    except PhoneError:
        return raw[:20]

