"""Handoff texts: the person whose on-call turn begins is told, once per turn.

The worker's periodic check (workers.periodic) looks for turns that began in the last
`CATCH_UP`: a worker that was down at the handoff still tells them when it is back. Each text
is keyed by group and turn start, so two checks at once, or a check run twice, send one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from alerts.on_call import group_label, group_phone, handoff_due, handoff_sms
from alerts.outbound import Outbound, delivery_key
from bot.queue.handoff import Work, hand_off
from bot.services.base import UseCase
from bot.store.pages import insert_messages

CATCH_UP = timedelta(minutes=30)


@dataclass(frozen=True)
class Handoffs(UseCase):
    """Tells each incoming on-call person their turn has begun."""

    async def check(self) -> int:
        """Queue the texts of turns that began lately and were not told yet; how many."""
        sites, now = self.sites, self.clock()
        messages = []
        for group in sites.rotations:
            turn = handoff_due(sites, group, now, CATCH_UP)
            phone = group_phone(sites, group, turn.person) if turn is not None else None
            if turn is None or phone is None:
                continue
            scope = f"handoff:{group}:{turn.starts.isoformat()}"
            messages.append(Outbound(
                key=delivery_key(scope, "handoff", "sms", phone), incident_id=None,
                kind="handoff", channel="sms", recipient=phone, recipient_name=turn.person,
                team_id=group if sites.find_team(group) else None,
                body=handoff_sms(turn, group_label(sites, group), sites.tz)))
        if not messages:
            return 0
        async with self.engine.begin() as conn:
            keys = await insert_messages(conn, messages, now)
        await hand_off(self.redis, Work(sends=keys), now)
        return len(keys)
