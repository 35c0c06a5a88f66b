"""The roster's rows: people, their changes (the audit) and the revision processes follow."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.overrides import Override
from alerts.roster import (
    COORDINATORS,
    Record,
    Roster,
    RosterChange,
    roster_changes,
)
from alerts.sites_parse import parse_roster
from bot.store.dialect import insert_ignore
from bot.store.schema import roster_changes_log, roster_overrides, roster_people, roster_state


@dataclass(frozen=True)
class StoredRoster:
    """The roster as the database holds it, at a revision."""

    roster: Roster
    revision: int


@dataclass(frozen=True)
class LoggedChange:
    """One audited change: who, when, and what it was."""

    at: datetime
    actor: str
    change: RosterChange


async def revision(conn: AsyncConnection) -> int | None:
    """The roster's revision; None when it was never seeded."""
    found: int | None = await conn.scalar(select(roster_state.c.revision))
    return found


async def read_roster(conn: AsyncConnection, team_ids: Sequence[str]) -> StoredRoster | None:
    """The roster, read back through the sites file's own checks; None if never seeded.

    People of a team the sites file no longer defines are left out (and kept in the rows).
    """
    current = await revision(conn)
    if current is None:
        return None
    rows = (await conn.execute(select(roster_people).order_by(
        roster_people.c.position, roster_people.c.id))).all()
    # Tens of milliseconds for thousands of people: off the event loop, where alerts are sent.
    return StoredRoster(await asyncio.to_thread(_roster_from, rows, team_ids), current)


def _roster_from(rows: Sequence[Row[Any]], team_ids: Sequence[str]) -> Roster:
    teams: dict[str, list[Record]] = {}
    verified: set[tuple[str, str]] = set()
    for row in rows:
        teams.setdefault(row.team_id, []).append(json.loads(row.record))
        if row.verified_at is not None:
            verified.add((row.team_id, row.name_key))
    data = {"coordinators": teams.pop(COORDINATORS, []),
            "teams": [{"id": team_id, "members": members} for team_id, members in teams.items()
                      if team_id in team_ids]}
    roster = parse_roster(data, team_ids)
    members = {team_id: tuple(replace(m, verified=(team_id, m.name.casefold()) in verified)
                              for m in people) for team_id, people in roster.teams.items()}
    return Roster(members, roster.coordinators)


async def seed(conn: AsyncConnection, roster: Roster, now: datetime) -> bool:
    """Write the sites file's roster as the first one, its numbers trusted; False (and nothing
    written) when the roster was seeded already, by this process or another."""
    if not await insert_ignore(conn, roster_state, {"id": 1, "revision": 1, "seeded_at": now}):
        return False
    empty = Roster({team_id: () for team_id in roster.teams}, ())
    await _write(conn, roster_changes(empty, roster), now, "sites file", trusted=True)
    return True


async def apply(conn: AsyncConnection, changes: Sequence[RosterChange], now: datetime,
                actor: str, *, trusted: bool = False) -> int:
    """Apply and audit `changes` and bump the revision; the new revision.

    A new or changed phone is unverified until it answers YES, unless `trusted`.
    """
    bumped = await conn.scalar(update(roster_state).values(revision=roster_state.c.revision + 1)
                               .returning(roster_state.c.revision))
    if bumped is None:
        raise LookupError("the roster was never seeded; start the service once first")
    await _write(conn, changes, now, actor, trusted=trusted)
    return int(bumped)


async def bump(conn: AsyncConnection) -> None:
    """Make every process reread the roster (an override or a verification changed it)."""
    await conn.execute(update(roster_state).values(revision=roster_state.c.revision + 1))


async def verify_phone(conn: AsyncConnection, phone: str, now: datetime) -> list[str]:
    """Mark every row with this phone verified; the teams it was unverified in."""
    teams = list(await conn.scalars(select(roster_people.c.team_id).where(
        roster_people.c.phone == phone, roster_people.c.verified_at.is_(None))))
    if teams:
        await conn.execute(update(roster_people).where(
            roster_people.c.phone == phone, roster_people.c.verified_at.is_(None))
            .values(verified_at=now))
        await bump(conn)
    return teams


async def change_log(conn: AsyncConnection, team_id: str | None = None,
                     limit: int = 20) -> list[LoggedChange]:
    """The latest changes, newest first (of one team, or all)."""
    query = select(roster_changes_log).order_by(roster_changes_log.c.id.desc()).limit(limit)
    if team_id is not None:
        query = query.where(roster_changes_log.c.team_id == team_id)
    return [LoggedChange(row.at, row.actor, RosterChange(
        row.action, row.team_id, row.name, _loads(row.before), _loads(row.after)))
        for row in await conn.execute(query)]


async def _write(conn: AsyncConnection, changes: Sequence[RosterChange], now: datetime,
                 actor: str, *, trusted: bool) -> None:
    position = int(await conn.scalar(select(func.coalesce(func.max(roster_people.c.position),
                                                          0))) or 0)
    for change in changes:
        where = (roster_people.c.team_id == change.team_id) \
            & (roster_people.c.name_key == change.name.casefold())
        if change.action == "remove":
            await conn.execute(delete(roster_people).where(where))
        elif change.after is not None:
            phone = change.after.get("phone")
            values: dict[str, object] = {"record": json.dumps(change.after), "phone": phone,
                                         "name_key": str(change.after["name"]).casefold()}
            same_phone = change.before is not None and change.before.get("phone") == phone
            if change.action == "add":
                position += 1
                values |= {"team_id": change.team_id, "position": position,
                           "verified_at": now if trusted or not phone else None}
                await conn.execute(insert(roster_people).values(values))
            else:
                if not same_phone:
                    values["verified_at"] = now if trusted or not phone else None
                await conn.execute(update(roster_people).where(where).values(values))
        await conn.execute(insert(roster_changes_log).values(
            at=now, actor=actor[:80], action=change.action, team_id=change.team_id,
            name=change.name[:80], before=_dumps(change.before), after=_dumps(change.after)))


def _dumps(record: Record | None) -> str | None:
    return None if record is None else json.dumps(record)


def _loads(text: str | None) -> Record | None:
    loaded: Record | None = None if text is None else json.loads(text)
    return loaded



async def add_override(conn: AsyncConnection, override: Override, made_by: str,
                       now: datetime) -> None:
    """Record time off or a cover (audited) and make every process reread the roster."""
    await conn.execute(insert(roster_overrides).values(
        team_id=override.team_id, name=override.name[:80], kind=override.kind,
        instead_of=override.instead_of, starts_at=override.starts, ends_at=override.ends,
        made_by=made_by[:80]))
    record: Record = {"kind": override.kind, "until": override.ends.isoformat()}
    if override.instead_of:
        record["instead_of"] = override.instead_of
    await conn.execute(insert(roster_changes_log).values(
        at=now, actor=made_by[:80], action=override.kind, team_id=override.team_id,
        name=override.name[:80], before=None, after=json.dumps(record)))
    await bump(conn)


async def end_overrides(conn: AsyncConnection, team_ids: Sequence[str], name: str, kind: str,
                        now: datetime) -> int:
    """End early this person's overrides of `kind` still holding (an ON ends their OFF)."""
    ended = await conn.execute(update(roster_overrides).where(
        roster_overrides.c.team_id.in_(list(team_ids)), roster_overrides.c.name == name,
        roster_overrides.c.kind == kind, roster_overrides.c.ended_at.is_(None),
        roster_overrides.c.ends_at > now).values(ended_at=now, ends_at=now))
    if ended.rowcount:
        for team_id in team_ids:
            await conn.execute(insert(roster_changes_log).values(
                at=now, actor=name[:80], action="on", team_id=team_id, name=name[:80]))
        await bump(conn)
    return int(ended.rowcount)


async def read_overrides(conn: AsyncConnection, since: datetime) -> list[Override]:
    """The overrides not over before `since` (those to come included); one ended early (ON)
    ends when it was ended."""
    rows = await conn.execute(select(roster_overrides).where(roster_overrides.c.ends_at > since)
                              .order_by(roster_overrides.c.id))
    return [Override(row.team_id, row.name, row.kind, row.starts_at, row.ends_at, row.instead_of)
            for row in rows]
