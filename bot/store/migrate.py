"""Schema migrations (Alembic), run by `cmsbot db upgrade`, the Procfile release step, and the demo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config.settings import Settings
from bot.store.engine import open_engine

_SCRIPTS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration, built in code: the project ships no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database up to `revision` (the newest by default)."""
    await _migrate(engine, lambda config: command.upgrade(config, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database back down to `revision`."""
    await _migrate(engine, lambda config: command.downgrade(config, revision))


async def _migrate(engine: AsyncEngine, step: Callable[[Config], None]) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        sqlite = connection.dialect.name == "sqlite"
        # SQLite alters a table by copying it and dropping the original; with foreign keys
        # enforced, dropping `incidents` would cascade-delete every page, delivery and chain.
        # The pragma only takes effect outside a transaction, so it is set before BEGIN.
        if sqlite:
            _pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                step(config)
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys=ON")

    async with engine.connect() as connection:
        await connection.run_sync(run)


def _pragma(connection: Connection, setting: str) -> None:
    # On the driver's connection: a statement through SQLAlchemy would BEGIN first.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"after migrating, {len(broken)} rows in {', '.join(tables)} have a "
                           "foreign key that points nowhere; the migration was rolled back")


async def pending(engine: AsyncEngine) -> list[str]:
    """Revisions not yet applied; empty when the schema is current."""
    def check(connection: Connection) -> list[str]:
        current = set(MigrationContext.configure(connection).get_current_heads())
        todo = []
        for script in ScriptDirectory.from_config(alembic_config()).walk_revisions():
            if script.revision in current:  # walking from the newest down: the rest is applied
                break
            todo.append(script.revision)
        return list(reversed(todo))

    async with engine.connect() as connection:
        return await connection.run_sync(check)


async def prepare_database(settings: Settings) -> None:
    """Embedded SQLite is migrated on start; PostgreSQL must be migrated by the release step."""
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        if not settings.database_url:
            await upgrade(engine)
        elif missing := await pending(engine):
            raise SystemExit(f"cmsbot: the database needs migrations {', '.join(missing)}; "
                             "run `cmsbot db upgrade` (the Procfile release step) first")
    finally:
        await engine.dispose()
