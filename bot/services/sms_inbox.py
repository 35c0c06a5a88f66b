"""Inbound SMS: from a verified Twilio webhook form to an action, a reply, and work for rq.

In one transaction: record the MessageSid (a retry gets the first answer, nothing more), mirror
STOP/START, find who is writing (only the roster may act; strangers learn nothing about
incidents), parse, find the alert by its short number, act, and keep the reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.action_results import is_staff_action, sms_reply
from alerts.phone import PhoneError, normalise
from alerts.replies import Refused, Reply, opt_keyword, parse_reply
from alerts.staff_texts import HELP, STRANGER_HELP, OpenAlert, status_sms, which_one_sms
from bot.queue.handoff import Work, hand_off
from bot.services.actions import Act, perform
from bot.services.base import UseCase
from bot.services.resident_inbox import ResidentInbox
from bot.store import inbound
from bot.store.pages import open_pages

_CODE = {"ack": "A", "scene": "S", "note": "N", "need": "N", "close": "C", "safe": "K"}


@dataclass
class Outcome:
    """The reply to send back (empty: none) and the work for rq once the reply is stored."""

    reply: str
    work: Work = field(default_factory=Work)


@dataclass(frozen=True)
class SmsInbox(UseCase):
    """Handles inbound SMS on the staff and the resident number."""

    resident_number: str | None = None

    async def handle(self, form: Mapping[str, str]) -> str | None:
        """The reply to send back (None: say nothing)."""
        now = self.clock()
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        phone = _phone(form.get("From", ""))
        body = form.get("Body", "")
        async with self.engine.begin() as conn:
            if not await inbound.first_time(conn, sid, phone, form.get("To", ""), body, now):
                return await inbound.earlier_reply(conn, sid)
            outcome, kind = await self._dispatch(conn, form, phone, body, now)
            await inbound.save_reply(conn, sid, outcome.reply or None, kind)
        await hand_off(self.redis, outcome.work, now)
        return outcome.reply or None

    async def _dispatch(self, conn: AsyncConnection, form: Mapping[str, str], phone: str,
                        body: str, now: datetime) -> tuple[Outcome, str]:
        sender = "resident" if self.resident_number and form.get("To") == self.resident_number \
            else "staff"
        keyword = (form.get("OptOutType") or "").lower() or opt_keyword(body)
        if keyword == "stop":
            # Twilio itself confirms an opt-out; anything we said would be blocked anyway.
            await inbound.opt_out(conn, phone, sender, now, "STOP reply")
            return Outcome(""), "stop"
        if keyword == "start":
            await inbound.opt_in(conn, phone, sender)
            return Outcome(""), "start"
        if sender == "resident":
            reply, kind = await ResidentInbox(self.sites).handle(conn, phone, body, now)
            if kind == "unknown":  # the reply is the help, rate-limited like a stranger's
                return await self._help(conn, phone, now, reply, always=keyword == "help")
            return Outcome(reply), kind
        if not self.sites.is_staff(phone):
            # Someone not on the roster learns nothing about incidents, and hears from us once
            # an hour at most (auto-responders would otherwise loop with us).
            return await self._help(conn, phone, now, STRANGER_HELP, always=keyword == "help")
        parsed = parse_reply(body)
        if isinstance(parsed, Refused):
            if keyword == "help":
                return Outcome(HELP), "help"
            return await self._help(conn, phone, now, f"CMS: not understood ({parsed.reason}). "
                                    f"{HELP}", always=False)
        if parsed.action == "help":
            return Outcome(HELP), "help"
        return await self._act(conn, phone, parsed, now), parsed.action

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
        else:
            return Outcome(which_one_sms(alerts, _CODE[reply.action]))
        page, incident = chosen[0]
        action = reply.action
        assert is_staff_action(action)  # status and help were answered above
        done = await perform(conn, Act(page, incident, self.sites, now), action, reply.text,
                             reply.outcome)
        return Outcome(sms_reply(done.result, self.sites.tz), done.work)


@lru_cache(maxsize=4096)
def _phone(raw: str) -> str:
    # Cached: parsing a number was a tenth of a reply's Python, and the same few members text
    # again and again (a pure function of the text, so nothing goes stale).
    try:
        return normalise(raw)
    except PhoneError:
        return raw[:20]

