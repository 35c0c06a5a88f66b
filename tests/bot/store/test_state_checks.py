"""The database refuses a state outside its machine, on SQLite and on PostgreSQL, a database
of revision 0004 upgrades to the checks with its rows intact, and the SMS kept before 0006
read as handled."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Connection, MetaData, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.delivery_states import DeliveryStatus
from alerts.states import BroadcastStatus, IncidentStatus, StepStatus, ZoneStatus
from bot.config.settings import Settings
from bot.store.engine import open_engine
from bot.store.migrate import downgrade, pending, upgrade
from bot.store.schema import chains, deliveries, inbound_messages, metadata, pages
from tests.bot.store import rows
from tests.bot.store.rows import AT, Rows

MACHINES: dict[str, type[StrEnum]] = {
    "incidents": IncidentStatus, "deliveries": DeliveryStatus, "takedown_steps": StepStatus,
    "broadcasts": BroadcastStatus, "resident_zones": ZoneStatus}


async def insert(engine: AsyncEngine, items: Rows) -> None:
    async with engine.begin() as conn:
        for table, values in items:
            await conn.execute(table.insert().values(**values))


async def snapshot(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the database has (read as it is, whatever the code's schema
    says: later revisions add columns), in a stable order."""
    def read(conn: Connection) -> dict[str, list[dict[str, Any]]]:
        found = MetaData()
        found.reflect(conn)
        return {table.name: sorted((dict(row._mapping) for row in conn.execute(select(table))),
                                   key=repr)
                for table in found.sorted_tables if table.name != "alembic_version"}

    async with engine.connect() as conn:
        return await conn.run_sync(read)


@pytest.mark.parametrize("table", MACHINES)
async def test_a_status_outside_its_machine_is_refused(engine: AsyncEngine, table: str) -> None:
    *parents, (target, row) = rows.with_status(table, "bogus")
    await insert(engine, parents)
    with pytest.raises(IntegrityError, match=f"ck_{table}_status"):
        await insert(engine, [(target, row)])
    await insert(engine, [(target, {**row, "status": next(iter(MACHINES[table])).value})])
    with pytest.raises(IntegrityError, match=f"ck_{table}_status"):
        async with engine.begin() as conn:
            await conn.execute(update(target).values(status="bogus"))


@pytest.mark.parametrize("table", MACHINES)
async def test_every_state_of_the_machine_is_accepted(engine: AsyncEngine, table: str) -> None:
    # The enum and the migrated database agree: a state added to one only fails here.
    await insert(engine, rows.with_status(table, next(iter(MACHINES[table])).value))
    target = metadata.tables[table]
    for state in MACHINES[table]:
        async with engine.begin() as conn:
            await conn.execute(update(target).values(status=state))
            assert await conn.scalar(select(target.c.status)) == state


@pytest.mark.parametrize("times", [{"on_scene_at": AT}, {"acked_at": AT, "safe_at": AT}])
async def test_a_page_cannot_be_on_scene_or_safe_before_its_earlier_states(
        engine: AsyncEngine, times: dict[str, Any]) -> None:
    await insert(engine, [(metadata.tables["incidents"], rows.incident())])
    with pytest.raises(IntegrityError, match="ck_pages_state"):
        await insert(engine, [(pages, rows.page(**times))])


async def test_a_resolved_chain_cannot_have_a_next_step(engine: AsyncEngine) -> None:
    await insert(engine, [(metadata.tables["incidents"], rows.incident()),
                          (chains, rows.chain("", resolved_at=AT, resolution="acknowledged"))])
    with pytest.raises(IntegrityError, match="ck_chains_state"):
        async with engine.begin() as conn:
            await conn.execute(update(chains).values(next_at=AT))


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new database with no tables: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    server = make_url(request.getfixturevalue("postgres_url")).set(drivername="postgresql")
    admin = server.render_as_string(hide_password=False)
    name = f"cmsbot_states_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        yield Settings(database_url=url).sqlalchemy_url
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def empty_engine(empty_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on that database."""
    engine = open_engine(empty_url, pooled=False)
    yield engine
    await engine.dispose()


async def test_a_database_at_0004_upgrades_with_its_rows_intact(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine, "0004")
    await insert(empty_engine, rows.revision_0004())
    before = await snapshot(empty_engine)
    await upgrade(empty_engine)
    assert await pending(empty_engine) == []
    after = await snapshot(empty_engine)
    # Tables later revisions add start empty; the ones 0004 had keep their rows.
    assert all(not after.pop(name) for name in set(after) - set(before))
    # The two legacy values are mapped (see the migration); every other row is as it was.
    for delivery in before["deliveries"]:
        if delivery["status"] == "queued":
            delivery["status"] = "sent"
    for chain in before["chains"]:
        if chain["resolved_at"] is not None:
            chain["next_at"] = None
    for incident in before["incidents"]:
        incident["type"] = "shooting"  # 0009: every incident stored before it was a shooting
    for table in (before, after):
        table["deliveries"].sort(key=repr)
        table["chains"].sort(key=repr)
    assert after == before
    with pytest.raises(IntegrityError, match="ck_deliveries_status"):
        await insert(empty_engine, [(deliveries, rows.delivery("k-new", "queued"))])
    # The pages table was rebuilt on SQLite: a short number is still unique among a member's
    # open pages only (Ray's #1 is open for I-1).
    incidents = metadata.tables["incidents"]
    await insert(empty_engine, [(incidents, rows.incident("I-3")), (incidents, rows.incident("I-4")),
                                (pages, rows.page("I-3", 1, open=False))])
    with pytest.raises(IntegrityError):
        await insert(empty_engine, [(pages, rows.page("I-4", 1))])


async def test_sms_kept_before_0006_read_as_handled_with_any_reply_sent_as_twiml(
        empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine, "0005")
    kept = {"phone": "+17185550100", "to_number": "+17185550000", "received_at": AT}
    await insert(empty_engine, [
        (inbound_messages, {**kept, "sid": "SM-answered", "body": "1A", "reply": "CMS: ok"}),
        (inbound_messages, {**kept, "sid": "SM-silent", "body": "thanks"})])
    await upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        found = {row.sid: row for row in await conn.execute(select(inbound_messages))}
    assert {sid: (row.state, row.handled_at, row.answered_via) for sid, row in found.items()} == {
        "SM-answered": ("handled", AT, "twiml"), "SM-silent": ("handled", AT, None)}
    # From now on the state is checked.
    with pytest.raises(IntegrityError, match="ck_inbound_messages_state"):
        await insert(empty_engine, [(inbound_messages, {**kept, "sid": "SM-new", "body": "x",
                                                        "state": "lost"})])


async def test_a_downgrade_drops_the_checks_and_keeps_the_rows(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)
    await insert(empty_engine, rows.revision_0004()[:2])
    await downgrade(empty_engine, "0004")
    assert (await pending(empty_engine))[0] == "0005"  # still at 0004, whatever came since
    await insert(empty_engine, [(deliveries, rows.delivery("k-old", "queued"))])
    async with empty_engine.connect() as conn:
        assert await conn.scalar(select(metadata.tables["incidents"].c.status)
                                 .where(metadata.tables["incidents"].c.id == "I-2")) == "closed"


async def test_an_unknown_legacy_state_stops_the_upgrade_and_names_it(
        empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine, "0004")
    await insert(empty_engine, [(deliveries, rows.delivery("k-odd", "resent"))])
    with pytest.raises(RuntimeError, match=r"deliveries\.status 'resent' \(1 rows\)"):
        await upgrade(empty_engine)
    assert (await pending(empty_engine))[0] == "0005"  # still at 0004, whatever came since
    async with empty_engine.connect() as conn:
        assert await conn.scalar(select(deliveries.c.status)) == "resent"
