"""How cmsbot's SQLite connections share one file between the web and worker processes: a
writer takes the write lock when it begins, so two writers queue; a reader that polls all day
never takes it, so a reader paused mid-read holds up nobody's write."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.engine import open_engine, reading


def other_process_writes(path: Path) -> None:
    """A write from another process that gives up at once instead of queueing."""
    writer = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO pairs VALUES ('other')")
        writer.execute("COMMIT")
    finally:
        writer.close()


@pytest.fixture
async def engine(tmp_path):
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'cmsbot.db'}", pooled=False)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE pairs (name TEXT)"))
    yield engine
    await engine.dispose()


async def test_a_reader_in_the_middle_of_its_read_holds_up_no_write(engine, tmp_path):
    async with reading(engine) as conn:
        assert (await conn.execute(text("SELECT count(*) FROM pairs"))).scalar() == 0
        other_process_writes(tmp_path / "cmsbot.db")  # would raise "database is locked"
    async with reading(engine) as conn:
        assert (await conn.execute(text("SELECT name FROM pairs"))).scalars().all() == ["other"]


async def test_a_writer_holds_the_write_lock_from_its_first_statement(engine, tmp_path):
    async with engine.connect() as conn:
        await conn.execute(text("SELECT count(*) FROM pairs"))
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other_process_writes(tmp_path / "cmsbot.db")
