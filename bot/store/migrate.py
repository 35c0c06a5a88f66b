"""Schema migrations (Alembic), run by `cmsbot db upgrade`, the Procfile release step, and the demo."""

from __future__ import annotations

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
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


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
