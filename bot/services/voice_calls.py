"""A call, once it is answered: what it says, and what the key pressed does.

The call is found by its delivery key (in the TwiML URL that Twilio signed), so a key press is
the action of the person that call was for, on their own page: the same authorisation as their
SMS reply. Twilio fetching the TwiML proves the call exists; a create whose answer was lost
is recorded as sent there, and so never placed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.action_results import StaffAction
from alerts.voice_texts import keys_for, spoken_result, voicemail
from bot.queue.handoff import hand_off
from bot.services.actions import Act, perform
from bot.services.base import UseCase
from bot.store.deliveries import Delivery, DeliveryStore
from bot.store.pages import incident, page_of
from bot.store.timeline import add_event

_GONE = "This call is no longer current. Goodbye."
_NOT_A_CHOICE = "Sorry, that key is not one of the choices."


@dataclass(frozen=True)
class Script:
    """What to say; `keys`: the digits to gather after it (empty: say it and hang up)."""

    say: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class VoiceCalls(UseCase):
    """Answers Twilio's voice webhooks for the calls cmsbot placed."""

    async def answered(self, key: str, call_sid: str, answered_by: str) -> Script:
        """The call was picked up: the message and its keys, or a voicemail for a machine."""
        delivery = await self._call(key, call_sid)
        if delivery is None:
            return Script(_GONE)
        message = delivery.message
        if answered_by.startswith("machine") or answered_by == "fax":
            await self._event(delivery, "voicemail left", "the call reached a voicemail box")
            team = self.sites.find_team(message.team_id)
            return Script(voicemail(team.name if team else "the coordinators"))
        return Script(message.body, tuple(keys_for(message.kind)))

    async def pressed(self, key: str, call_sid: str, digits: str) -> Script:
        """A key was pressed: act as the person called, then say what was done."""
        delivery = await self._call(key, call_sid)
        if delivery is None:
            return Script(_GONE)
        message, choices = delivery.message, keys_for(delivery.message.kind)
        choice = choices.get(digits[:1])
        if choice is None or choice == "repeat":
            prefix = "" if choice else f"{_NOT_A_CHOICE} "
            return Script(prefix + message.body, tuple(choices))
        if choice == "heard":
            await self._event(delivery, "answered the call", "pressed 1: on it")
            return Script("Thank you. Goodbye.")
        return await self._act(delivery, choice)

    async def _act(self, delivery: Delivery, action: StaffAction) -> Script:
        message, now = delivery.message, self.clock()
        async with self.engine.begin() as conn:
            subject = await incident(conn, message.incident_id or "")
            page = await page_of(conn, message.incident_id or "", message.recipient)
            if subject is None or page is None:
                return Script(_GONE)
            done = await perform(conn, Act(page, subject, self.sites, now, channel="voice"),
                                 action)
        await hand_off(self.redis, done.work, now)
        return Script(spoken_result(done.result))

    async def _call(self, key: str, call_sid: str) -> Delivery | None:
        store = DeliveryStore(self.engine)
        delivery = await store.get(key)
        if delivery is None or delivery.message.channel != "voice":
            return None
        if delivery.provider_id is None:
            await store.confirm_sent(key, call_sid, self.clock())
        return delivery

    async def _event(self, delivery: Delivery, action: str, detail: str) -> None:
        message = delivery.message
        if message.incident_id is None:
            return
        async with self.engine.begin() as conn:
            await add_event(conn, message.incident_id, self.clock(),
                            message.recipient_name or "someone called", action, "voice", detail,
                            message.team_id)
