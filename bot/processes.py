"""The long-running processes of the Procfile: `serve` (web), `worker`, and `db upgrade` (release)."""

from __future__ import annotations

import argparse
import asyncio
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.app import create_app
from bot.clock import utcnow
from bot.embedded_redis import EmbeddedRedis, client_name
from bot.queue import connect, redis_url
from bot.settings import Settings
from bot.sites_file import load_sites
from bot.store.engine import open_engine
from bot.store.migrate import pending, upgrade
from workers.context import WorkerRuntime
from workers.worker import build_worker, warm_up

log = logging.getLogger("cmsbot")


def announce(settings: Settings, role: str) -> None:
    """Say once, at start-up, where things are and what goes to the local outbox."""
    database = "PostgreSQL" if settings.database_url else f"SQLite under {settings.home}/"
    queue = "Redis at REDIS_URL" if settings.redis_url else f"embedded Redis under {settings.home}/"
    log.info("cmsbot %s: %s, %s, sites %s", role, database, queue, settings.sites_path)
    if not settings.uses_twilio:
        log.warning("SMS go to the local outbox (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                    "TWILIO_STAFF_FROM to send them)")
    if not settings.uses_slack:
        log.warning("Slack posts go to the local outbox (set SLACK_BOT_TOKEN and "
                    "SLACK_SIGNING_SECRET to post them)")


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


async def wait_for_database(settings: Settings, ceiling: float = 30.0) -> None:
    """Prepare the database, waiting for it if it is away: a process started during an outage
    comes up when the database does, instead of crashing into a restart loop."""
    delay = 1.0
    while True:
        try:
            await prepare_database(settings)
            return
        except (OSError, SQLAlchemyError) as exc:
            log.error("the database is unreachable (%s); trying again in %.0f s",
                      type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, ceiling)


def serve(_args: argparse.Namespace, settings: Settings) -> int:
    """Run the web process until SIGTERM or Ctrl-C; in-flight requests finish first."""
    logs.configure(settings.log_format, settings.log_level)
    announce(settings, "web")
    asyncio.run(wait_for_database(settings))
    app = create_app(settings)
    log.info("listening on port %d", settings.port)
    web.run_app(app, port=settings.port, print=None, shutdown_timeout=20, access_log=None)
    return 0


def worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run an rq worker with the scheduler; SIGTERM lets the current job finish."""
    logs.configure(settings.log_format, settings.log_level)
    announce(settings, "worker")
    asyncio.run(wait_for_database(settings))
    loaded = load_sites(settings.sites_path, settings.timezone)  # once, before any fork
    url = redis_url(settings)
    connection = connect(url)
    runtime = WorkerRuntime(settings, loaded.sites, url, utcnow)
    warm_up(runtime)
    try:
        build_worker(runtime, connection, fork=args.fork).work(
            burst=args.burst, with_scheduler=True, logging_level="WARNING")
    finally:
        connection.close()
        if not settings.redis_url:
            EmbeddedRedis(settings.home).release(client_name())
    return 0


def db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations."""
    logs.configure(settings.log_format, settings.log_level)

    async def run() -> list[str]:
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        try:
            todo = await pending(engine)
            await upgrade(engine)
            return todo
        finally:
            await engine.dispose()

    applied = asyncio.run(run())
    log.info("database is current%s", f" (applied {', '.join(applied)})" if applied else "")
    return 0
