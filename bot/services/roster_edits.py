"""Changing the roster: the changes applied and audited, and each new or changed number asked
for its YES before it reads an alert's details. Runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.outbound import Outbound, delivery_key
from alerts.roster import COORDINATORS, RosterChange, consent_request
from alerts.sites import Sites
from bot.store import roster as store
from bot.store.pages import insert_messages


async def apply_roster_changes(conn: AsyncConnection, sites: Sites,
                               changes: Sequence[RosterChange], actor: str,
                               now: datetime) -> list[str]:
    """Apply and audit `changes`; the keys of the consent texts to send (the worker's
    reconcile sends any that nobody hands to rq)."""
    revision = await store.apply(conn, changes, now, actor)
    asks: list[Outbound] = []
    for change in changes:
        phone = change.after.get("phone") if change.after else None
        if not isinstance(phone, str) or change.team_id == COORDINATORS:
            continue
        if change.before is not None and change.before.get("phone") == phone:
            continue
        team = sites.find_team(change.team_id)
        asks.append(Outbound(
            key=delivery_key(f"roster:{revision}", "consent", "sms", phone), incident_id=None,
            kind="consent", channel="sms", recipient=phone, recipient_name=change.name,
            team_id=change.team_id, body=consent_request(team.name if team else "CMS")))
    return await insert_messages(conn, asks, now)
