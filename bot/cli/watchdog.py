"""`cmsbot watchdog`: the Procfile's watchdog process (bot.ops.watchdog does the looking)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from alerts.sites import Sites
from bot.config import logs
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import load_sites
from bot.notify.factory import open_notifiers
from bot.ops.watchdog import Watchdog
from bot.queue.connection import connect, redis_url
from bot.services.live_sites import LiveSites
from bot.store.engine import open_engine
from bot.store.outbox import OutboxStore

log = logging.getLogger("cmsbot")


def run(_args: argparse.Namespace, settings: Settings) -> int:
    """Watch until SIGTERM or Ctrl-C; starts even with Redis or the database away."""
    logs.configure(settings.log_format, settings.log_level, settings.timezone)
    sites = load_sites(settings.sites_path, settings.timezone).sites
    log.info("cmsbot watchdog: every %gs, staff alerts unsent over %gs page the coordinators",
             settings.watchdog_seconds, settings.watchdog_unsent)
    asyncio.run(_watch(settings, sites))
    return 0


async def _watch(settings: Settings, sites: Sites) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    connection = connect(redis_url(settings), timeout=5)
    try:
        async with open_notifiers(settings, OutboxStore(engine), utcnow) as notifiers:
            dog = Watchdog(engine, connection, LiveSites(sites), notifiers, utcnow,
                           timedelta(seconds=settings.watchdog_unsent))
            while not stop.is_set():
                try:
                    await dog.tick()
                except Exception:
                    # The one process that reports outages must outlive its own failures: a
                    # crashed watchdog pages nobody. The traceback is logged in full.
                    log.exception("watchdog: this check failed; the next one runs on time")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.watchdog_seconds)
    finally:
        connection.close()
        await engine.dispose()
