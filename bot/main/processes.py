"""The long-running processes of the Procfile: `serve` (web), `worker`, and `db upgrade` (release)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.config import logs
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import load_sites
from bot.main.app import create_app
from bot.queue.connection import connect, redis_url
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.store.engine import open_engine
from bot.store.migrate import pending, prepare_database, upgrade
from bot.store.outage import database_unreachable
from workers.context import WorkerRuntime
from workers.worker import warm_up, work_until_stopped

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


async def wait_for_database(settings: Settings, ceiling: float = 30.0) -> None:
    """Prepare the database, waiting for it if it is away: a process started during an outage
    comes up when the database does, instead of crashing into a restart loop."""
    delay = 1.0
    while True:
        try:
            await prepare_database(settings)
            return
        except (OSError, SQLAlchemyError) as exc:
            if not database_unreachable(exc):
                raise  # a bad migration or a refused statement does not pass by waiting
            log.error("the database is unreachable (%s); trying again in %.0f s",
                      type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, ceiling)


def serve(_args: argparse.Namespace, settings: Settings) -> int:
    """Run the web process until SIGTERM or Ctrl-C; in-flight requests finish first.

    CMSBOT_WEB_PROCESSES=N (default 1) forks N web processes sharing the port (SO_REUSEPORT),
    for a machine where one Python process cannot keep up with the webhooks.
    """
    logs.configure(settings.log_format, settings.log_level, settings.timezone)
    announce(settings, "web")
    count = web_processes(os.environ)
    if count > 1 and not (settings.database_url and settings.redis_url):
        raise SystemExit("cmsbot: CMSBOT_WEB_PROCESSES > 1 needs DATABASE_URL and REDIS_URL "
                         "(the embedded SQLite and Redis are for one process)")
    asyncio.run(wait_for_database(settings))
    # Generated secrets (embedded defaults) are made here, once, before any web process
    # starts: every process then checks tokens and session cookies with the same keys.
    settings.ingest_token()
    settings.session_key()
    if count > 1:
        log.info("starting %d web processes on port %d", count, settings.port)
    if count == 1:
        _run_web(settings, reuse_port=False)
        return 0
    return _supervise([_fork_web(settings) for _ in range(count)])


def web_processes(environ: Mapping[str, str]) -> int:
    """CMSBOT_WEB_PROCESSES, 1 when unset. (Not WEB_CONCURRENCY: Heroku sets that for gunicorn.)"""
    raw = environ.get("CMSBOT_WEB_PROCESSES", "").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"cmsbot: CMSBOT_WEB_PROCESSES must be a whole number >= 1, not {raw!r}")
    return int(raw)


def _run_web(settings: Settings, reuse_port: bool) -> None:
    def listening(_banner: str) -> None:
        # aiohttp calls its `print` once the port is bound, after start-up: only then do
        # requests get an answer, so only then does the log say so.
        log.info("listening on port %d", settings.port)

    web.run_app(create_app(settings), port=settings.port, print=listening, shutdown_timeout=20,
                access_log=None, reuse_port=reuse_port or None)


def _fork_web(settings: Settings) -> int:
    # Forked before any event loop, client or connection exists: each child opens its own.
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _run_web(settings, reuse_port=True)
        except BaseException:
            log.exception("a web process failed")
            code = 1
        finally:
            logging.shutdown()
            os._exit(code)  # never return into the parent's code
    return pid


def _supervise(children: list[int]) -> int:
    """Pass SIGTERM and SIGINT on to the web processes; when one ends, end them all."""
    worst, running = 0, set(children)

    def forward(signum: int, _frame: object) -> None:
        for pid in running:  # never a reaped pid: the system may have given it to another
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while running:
        pid, status = os.wait()
        running.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        worst = max(worst, 1 if code else 0)
        if code and running:
            # A web process that died would leave the port half served: stop, be restarted.
            log.error("web process %d exited with %d; stopping the others", pid, code)
            forward(signal.SIGTERM, None)
    return worst


def worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run an rq worker with the scheduler; SIGTERM lets the current job finish."""
    logs.configure(settings.log_format, settings.log_level, settings.timezone)
    announce(settings, "worker")
    asyncio.run(wait_for_database(settings))
    # Once, before any fork; only the sites are kept (the layers' shapes are for `sites check`).
    sites = load_sites(settings.sites_path, settings.timezone).sites
    url = redis_url(settings)
    connection = connect(url)
    runtime = WorkerRuntime(settings, sites, url, utcnow)
    warm_up(runtime)
    try:
        work_until_stopped(runtime, connection, fork=args.fork, burst=args.burst)
    finally:
        connection.close()
        if not settings.redis_url:
            EmbeddedRedis(settings.home).release(client_name())
    return 0


def db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations."""
    logs.configure(settings.log_format, settings.log_level, settings.timezone)

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
