"""The roster as it stands now: who is on (shifts, time off and covers), who opted out, who
is resting after a fatal response, who has open alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.overrides import on_duty
from alerts.phone import redact
from alerts.rest import lookback, resting
from alerts.sites import Sites
from bot.store.inbound import opted_out_phones
from bot.store.rest import fatal_responses
from bot.store.schema import pages


@dataclass(frozen=True)
class RosterEntry:
    """One member as coordinators need to see them."""

    team_id: str
    name: str
    role: str
    phone: str  # redacted to the last four digits
    on_shift: bool
    opted_out: bool
    open_alerts: int
    verified: bool = True  # False until the number answered YES
    resting_until: datetime | None = None  # after a fatal response (alerts.rest)

    def to_json(self) -> dict[str, object]:
        """For the API."""
        return {"team": self.team_id, "name": self.name, "role": self.role, "phone": self.phone,
                "on_shift": self.on_shift, "opted_out": self.opted_out,
                "open_alerts": self.open_alerts, "verified": self.verified,
                "resting_until": self.resting_until.isoformat() if self.resting_until else None}


async def roster(engine: AsyncEngine, sites: Sites, now: datetime,
                 team_id: str | None = None) -> list[RosterEntry]:
    """Every member (of one team, or all), in sites-file order."""
    chosen = sites.find_team(team_id)
    teams = list(sites.teams) if team_id is None else [chosen] if chosen else []
    async with engine.connect() as conn:
        stopped = await opted_out_phones(conn, "staff")
        counts: dict[str, int] = dict((await conn.execute(
            select(pages.c.phone, func.count()).where(pages.c.open).group_by(pages.c.phone))).all())
        rest = resting(await fatal_responses(conn, now - lookback(sites)), sites, now)
    local = now.astimezone(sites.tz)
    return [RosterEntry(team.id, member.name, member.role, redact(member.phone),
                        on_duty(member.name, member.shifts, team.id, sites.overrides, now, local),
                        member.phone in stopped, int(counts.get(member.phone, 0)),
                        member.verified, rest.get(member.phone))
            for team in teams for member in team.members]
