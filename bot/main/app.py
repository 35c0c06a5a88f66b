"""The app factory: one aiohttp application, its long-lived clients opened in cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError

from alerts.map_shapes import borough_outlines, bounds, team_outlines
from bot.config.clock import utcnow
from bot.config.settings import Settings
from bot.config.sites_file import LoadedSites, load_sites
from bot.main.routes import setup_routes
from bot.main.slack_app import build_bolt
from bot.ops.loop_lag import LoopLag
from bot.ops.readiness import TIMEOUT as PROBE_TIMEOUT
from bot.queue.connection import connect, redis_url
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.services.container import build_services
from bot.services.inbound_keeper import InboundKeeper
from bot.services.live_sites import LiveSites, following
from bot.services.sessions import SessionSigner
from bot.store.deliveries import DeliveryStore
from bot.store.engine import open_engine
from bot.store.incidents import IncidentStore
from handlers import keys
from handlers.admission import Admission
from handlers.bodies import read_bodies
from handlers.errors import error_middleware
from handlers.timing import webhook_seconds, webhook_timing

log = logging.getLogger(__name__)
LIVE_CONNECTIONS = 4  # the ingest pool's size (twice that at most)
LIVE_THREADS = 2

BOROUGHS = Path(__file__).resolve().parents[1] / "samples" / "boroughs.geojson"


def create_app(settings: Settings, *, sites: LoadedSites | None = None,
               clock: Callable[[], datetime] = utcnow) -> web.Application:
    """Build the web app. Nothing connects until the app starts; `sites` may be given pre-loaded."""
    registry = CollectorRegistry()
    admission = Admission(settings.in_flight_limits(), registry, clock)
    # Timing outermost, so that a request shed for want of room is timed like any other; bodies
    # read before admission, so that a client trickling one holds no slot.
    bodies = read_bodies(settings.body_deadline, registry)
    app = web.Application(client_max_size=settings.max_body_bytes * 4,
                          middlewares=[webhook_timing, bodies, admission.middleware(),
                                       error_middleware])
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    app[keys.METRICS] = registry
    app[keys.WEBHOOK_SECONDS] = webhook_seconds(registry)
    app[keys.ADMISSION] = admission
    app[keys.LOOP_LAG] = LoopLag(clock, registry)
    app[keys.API_TOKEN] = settings.ingest_token()
    # Twilio's and Slack's when configured, else the local ones (made here, once, under home).
    app[keys.TWILIO_AUTH] = settings.twilio_webhook_auth()
    app[keys.SLACK_SECRET] = settings.slack_webhook_secret()
    loaded = sites or load_sites(settings.sites_path, settings.timezone)
    # The layers' own lon/lat shapes are for `cmsbot sites check`; the index holds what routing
    # needs. Not keeping them saves tens of MB with city-wide layers.
    app[keys.SITES] = LiveSites(loaded.sites, clock)
    app[keys.SESSIONS] = SessionSigner(settings.session_key())
    app[keys.CALENDAR_KEY] = settings.calendar_key()
    # Simplified and unioned once, not per map request.
    app[keys.MAP_OUTLINES] = team_outlines(loaded.sites)
    app[keys.MAP_BOUNDS] = bounds(loaded.sites)
    # Shipped with the app (made by bench/make_boroughs.py): the map needs no data folder.
    app[keys.MAP_BOROUGHS] = borough_outlines(json.loads(BOROUGHS.read_text(encoding="utf-8")))
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_redis)
    app.cleanup_ctx.append(_roster)
    app.cleanup_ctx.append(_services)
    app.cleanup_ctx.append(_slack)
    app.cleanup_ctx.append(_loop_lag)  # last: start-up's own work on the loop is not load
    setup_routes(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    url = app[keys.SETTINGS].sqlalchemy_url
    engine = app[keys.ENGINE] = open_engine(url)
    # New shootings get connections of their own: a flood of replies cannot take them.
    live = app[keys.LIVE_ENGINE] = open_engine(url, size=LIVE_CONNECTIONS)
    app[keys.INCIDENTS] = IncidentStore(engine)
    app[keys.DELIVERIES] = DeliveryStore(engine)
    yield
    await live.dispose()
    await engine.dispose()


async def _roster(app: web.Application) -> AsyncIterator[None]:
    live, engine = app[keys.SITES], app[keys.ENGINE]
    try:
        await live.load(engine, app[keys.CLOCK]())
    except (OSError, SQLAlchemyError) as exc:
        # Started during an outage: the sites file's people until the database answers.
        log.warning("roster not read (%s): paging the sites file's people until it is",
                    type(exc).__name__)
    async with following(live, engine):
        yield


async def _redis(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    url = await asyncio.to_thread(redis_url, settings)
    connection = connect(url)
    app[keys.REDIS] = connection
    # /readyz and /metrics get a client of their own with short timeouts: a hung Redis fails
    # them within seconds, and the thread that waited on it ends too.
    probe = app[keys.PROBE_REDIS] = connect(url, timeout=PROBE_TIMEOUT)
    yield
    connection.close()
    probe.close()
    if not settings.redis_url:
        await asyncio.to_thread(EmbeddedRedis(settings.home).release, client_name())


async def _services(app: web.Application) -> AsyncIterator[None]:
    # And threads of their own for their hand-off to rq, which replies queueing theirs cannot hold.
    with ThreadPoolExecutor(LIVE_THREADS, thread_name_prefix="cmsbot-live") as live_threads:
        services = app[keys.SERVICES] = build_services(
            app[keys.SETTINGS], app[keys.ENGINE], app[keys.SITES], app[keys.REDIS],
            app[keys.CLOCK], live_engine=app[keys.LIVE_ENGINE], live_executor=live_threads)
        # Before the port opens: the first shooting meets connections open and statements
        # compiled, not a cold process.
        pooled = app[keys.LIVE_ENGINE].dialect.name != "sqlite"  # SQLite keeps no connections
        try:
            await services.ingest.rehearse(LIVE_CONNECTIONS if pooled else 1)
        except (OSError, SQLAlchemyError) as exc:
            # A process started during an outage still comes up, to answer 503s and recover.
            log.warning("warm-up skipped (%s): the first requests will open what they need",
                        type(exc).__name__)
        keeper = app[keys.INBOUND_KEEPER] = InboundKeeper(services.sms_inbox, app[keys.REDIS])
        yield
        await keeper.close()


async def _slack(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    # One HTTP session for every Slack call this process makes, closed on shutdown. With no
    # Slack configured, Bolt still answers `cmsbot slack` (signed with the local secret).
    async with aiohttp.ClientSession() as session:
        app[keys.BOLT] = build_bolt(settings, session, app[keys.SERVICES].slack_desk,
                                    app[keys.SERVICES].people_reports)
        yield


async def _loop_lag(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.get_running_loop().create_task(app[keys.LOOP_LAG].run(), name="loop-lag")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
