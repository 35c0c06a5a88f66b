"""Residents texting the resident number: join an area (double opt-in), leave, list, language.

The consent record is what they sent and when: the JOIN (keyword and exact text) and the YES.
Staff numbers are never treated as residents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts import resident_texts as texts
from alerts.resident_replies import Language, ResidentReply, parse_resident
from alerts.sites import Sites
from alerts.zones import Zone, find_zone
from bot.store import residents


@dataclass(frozen=True)
class ResidentInbox:
    """Answers residents, inside the inbound message's transaction."""

    sites: Sites

    async def handle(self, conn: AsyncConnection, phone: str, body: str,
                     now: datetime) -> tuple[str, str]:
        """The reply and its kind; for an unknown text ("unknown") the help, to rate-limit."""
        if self.sites.is_staff(phone):
            return texts.staff_number_here("en"), "staff-here"
        reply = parse_resident(body)
        known = await residents.language(conn, phone)
        language: Language = known or (reply.language if reply and reply.language else "en")
        if reply is None:
            return texts.help_text(language), "unknown"
        if reply.action == "language":
            assert reply.language is not None
            if known is None:
                await residents.ensure(conn, phone, reply.language, now)
            else:
                await residents.set_language(conn, phone, reply.language)
            return texts.language_set(reply.language), "language"
        if reply.action == "help":
            return texts.help_text(language), "help"
        if known is None:  # first contact: the language they wrote in
            await residents.ensure(conn, phone, language, now)
        return await self._act(conn, phone, reply, body, language, now), reply.action

    async def _act(self, conn: AsyncConnection, phone: str, reply: ResidentReply, body: str,
                   language: Language, now: datetime) -> str:
        if reply.action == "join":
            match = find_zone(reply.argument, self.sites.zones)
            if match.zone is not None:
                return await self._request(conn, phone, match.zone, body, language, now)
            if match.choices:
                await residents.offer(conn, phone, [z.id for z in match.choices], "JOIN", body, now)
                return texts.choose([z.label for z in match.choices], language)
            return texts.unknown_area(reply.argument, language)
        if reply.action == "choose":
            offered = await residents.take_offer(conn, phone)
            index = int(reply.argument) - 1
            if offered is None or index >= len(offered[0]):
                return texts.nothing_to_confirm(language)
            zone = self._zone(offered[0][index])
            if zone is None:
                return texts.nothing_to_confirm(language)
            return await self._request(conn, phone, zone, f"{offered[2]} / {body}", language, now)
        if reply.action == "confirm":
            labels = await residents.confirm(conn, phone, body, now)
            return texts.subscribed(", ".join(labels), language) if labels \
                else texts.nothing_to_confirm(language)
        mine = dict(await residents.areas(conn, phone))
        if reply.action == "zones":
            return texts.zones(list(mine.values()), language)
        # LEAVE: the named area among theirs, or their only one.
        if reply.argument:
            found = find_zone(reply.argument, [z for z in self.sites.zones if z.id in mine]).zone
            chosen = found.id if found else None
        else:
            chosen = next(iter(mine)) if len(mine) == 1 else None
        if chosen is None:
            return texts.zones(list(mine.values()), language)
        await residents.leave(conn, phone, chosen, now)
        return texts.left(mine[chosen], language)

    async def _request(self, conn: AsyncConnection, phone: str, zone: Zone, text: str,
                       language: Language, now: datetime) -> str:
        if not await residents.request(conn, phone, zone.id, zone.label, "JOIN", text, now):
            return texts.subscribed(zone.label, language)
        return texts.confirm_prompt(zone.label, language)

    def _zone(self, zone_id: str) -> Zone | None:
        return next((zone for zone in self.sites.zones if zone.id == zone_id), None)
