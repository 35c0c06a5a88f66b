"""Stored chains: created with the incident, advanced one step at a time, resolved once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.chains import ChainPlan, ChainStep, Due, extended, steps_from_json, steps_to_json
from alerts.sites import Team
from alerts.states import ChainState, chain_state
from bot.store.schema import chains


@dataclass(frozen=True)
class Chain:
    """A stored chain and where it stands."""

    id: int
    incident_id: str
    team_id: str
    kind: str
    subject: str
    started_at: datetime
    steps: tuple[ChainStep, ...]
    next_step: int
    next_at: datetime | None
    resolved_at: datetime | None

    @property
    def state(self) -> ChainState:
        """Live, finished (every step ran) or resolved."""
        return chain_state(self.resolved_at, self.next_at)

    @property
    def live(self) -> bool:
        """Not resolved and with a step still to run."""
        return self.state is ChainState.LIVE


def _chain(row: object) -> Chain:
    m = row._mapping  # type: ignore[attr-defined]
    return Chain(m["id"], m["incident_id"], m["team_id"], m["kind"], m["subject"], m["started_at"],
                 steps_from_json(m["steps"]), m["next_step"], m["next_at"], m["resolved_at"])


# The guards of every UPDATE, as in "UPDATE ... WHERE state = old": a chain read earlier may
# have moved since, and a resolved chain never gets a next step back (the database checks it).
_UNRESOLVED = chains.c.resolved_at.is_(None)
_LIVE = and_(_UNRESOLVED, chains.c.next_at.is_not(None))


async def create(conn: AsyncConnection, incident_id: str, plans: Sequence[ChainPlan],
                 fresh: bool = False) -> list[Due]:
    """Store new chains (one per incident, team, kind and subject) and say when each starts.

    `fresh`: the incident was inserted in this transaction, so it has no chains yet.
    """
    if fresh:
        return await _create_fresh(conn, incident_id, plans)
    due = []
    for plan in plans:
        exists = await conn.scalar(select(chains.c.id).where(
            chains.c.incident_id == incident_id, chains.c.team_id == plan.team_id,
            chains.c.kind == plan.kind, chains.c.subject == plan.subject))
        if exists is not None or plan.first_at is None:
            continue
        chain_id = (await conn.execute(chains.insert().values(
            incident_id=incident_id, team_id=plan.team_id, kind=plan.kind, subject=plan.subject,
            started_at=plan.started_at, steps=steps_to_json(plan.steps), next_step=0,
            next_at=plan.first_at).returning(chains.c.id))).scalar_one()
        due.append(Due(chain_id, 0, plan.first_at))
    return due


async def _create_fresh(conn: AsyncConnection, incident_id: str,
                        plans: Sequence[ChainPlan]) -> list[Due]:
    # One INSERT ... RETURNING for all chains: a lookup and an insert per chain were a quarter
    # of ingest's time. The first plan of a key wins, as the lookups made it win before.
    wanted: dict[tuple[str, str, str], ChainPlan] = {}
    for plan in plans:
        if plan.first_at is not None:
            wanted.setdefault((plan.team_id, plan.kind, plan.subject), plan)
    if not wanted:
        return []
    kept = list(wanted.values())
    rows = await conn.execute(_INSERT_RETURNING_ID, [
        {"incident_id": incident_id, "team_id": plan.team_id, "kind": plan.kind,
         "subject": plan.subject, "started_at": plan.started_at,
         "steps": steps_to_json(plan.steps), "next_step": 0, "next_at": plan.first_at}
        for plan in kept])
    return [Due(chain_id, 0, plan.first_at) for chain_id, plan
            in zip(rows.scalars().all(), kept, strict=True) if plan.first_at is not None]


# Ids come back in the order of the rows given, so each pairs with its plan.
_INSERT_RETURNING_ID = chains.insert().returning(chains.c.id, sort_by_parameter_order=True)


async def get(conn: AsyncConnection, chain_id: int, *, for_update: bool = False) -> Chain | None:
    """One chain; `for_update` locks it for the transaction (PostgreSQL)."""
    statement = select(chains).where(chains.c.id == chain_id)
    if for_update and conn.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = (await conn.execute(statement)).first()
    return _chain(row) if row else None


async def of_incident(conn: AsyncConnection, incident_id: str, team_id: str | None = None,
                      kind: str | None = None) -> list[Chain]:
    """The chains of an incident, optionally of one team and kind."""
    shape = (team_id is not None, kind is not None)
    statement = _OF_INCIDENT.get(shape)
    if statement is None:
        statement = select(chains).where(chains.c.incident_id == bindparam("incident"))
        if team_id is not None:
            statement = statement.where(chains.c.team_id == bindparam("team"))
        if kind is not None:
            statement = statement.where(chains.c.kind == bindparam("kind"))
        statement = _OF_INCIDENT[shape] = statement.order_by(chains.c.id)
    rows = await conn.execute(statement, {"incident": incident_id, "team": team_id, "kind": kind})
    return [_chain(row) for row in rows]


# of_incident's four shapes, each built once: staff replies and steps read chains constantly.
_OF_INCIDENT: dict[tuple[bool, bool], Select[tuple[object, ...]]] = {}


async def advance(conn: AsyncConnection, chain: Chain, now: datetime) -> Due | None:
    """Move past the current step; return the next one to schedule, if any."""
    following = chain.next_step + 1
    at = chain.started_at + chain.steps[following].after if following < len(chain.steps) else None
    if at is not None and at < now:
        at = now  # a step pulled forward (escalate at once) must not leave later ones behind
    await conn.execute(update(chains).where(chains.c.id == chain.id, _UNRESOLVED)
                       .values(next_step=following, next_at=at))
    return Due(chain.id, following, at) if at is not None else None


async def pull_forward(conn: AsyncConnection, chain: Chain, now: datetime) -> Due | None:
    """Make the chain's next step due now (a staff alert did not reach someone)."""
    if not chain.live:
        return None
    pulled = await conn.execute(update(chains).where(chains.c.id == chain.id, _LIVE)
                                .values(next_at=now))
    if not pulled.rowcount:
        return None
    return Due(chain.id, chain.next_step, now)


async def pull_team_forward(conn: AsyncConnection, incident_id: str, team_id: str | None,
                            now: datetime, kind: str = "alert") -> list[Due]:
    """Make the next step of a team's alert escalation (or of the incident's chains of `kind`,
    with no team) due now; what is due (none when nothing is left to do)."""
    pulled = [await pull_forward(conn, chain, now)
              for chain in await of_incident(conn, incident_id, team_id, kind)]
    return [due for due in pulled if due is not None]


async def extend(conn: AsyncConnection, chain: Chain, at: datetime,
                 team: Team | None) -> Due | None:
    """Push a live check-out chain's timer to `at`, as new last steps (alerts.chains.extended)."""
    if not chain.live or not chain.steps:
        return None
    steps = extended(chain.steps, chain.started_at, at, team)
    following = len(chain.steps)
    moved = await conn.execute(update(chains).where(chains.c.id == chain.id, _LIVE).values(
        steps=steps_to_json(steps), next_step=following, next_at=at))
    return Due(chain.id, following, at) if moved.rowcount else None


async def resolve(conn: AsyncConnection, chain_ids: Sequence[int], now: datetime,
                  resolution: str) -> None:
    """Stop chains: their remaining steps will do nothing."""
    if chain_ids:
        await conn.execute(update(chains).where(chains.c.id.in_(list(chain_ids)), _UNRESOLVED)
                           .values(resolved_at=now, resolution=resolution, next_at=None))


async def due_before(conn: AsyncConnection, moment: datetime, limit: int = 5000) -> list[Due]:
    """Live chain steps due before `moment`: what reconcile makes sure has a job."""
    rows = await conn.execute(select(chains.c.id, chains.c.next_step, chains.c.next_at).where(
        chains.c.resolved_at.is_(None), chains.c.next_at.is_not(None), chains.c.next_at < moment)
        .order_by(chains.c.next_at).limit(limit))
    return [Due(row.id, row.next_step, row.next_at) for row in rows]
