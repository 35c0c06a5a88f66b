"""Typed keys for what the app holds: opened in `cleanup_ctx`, never at import time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import redis
from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.map_shapes import BoroughOutline, TeamOutline
from bot.config.settings import Secret, Settings
from bot.ops.loop_lag import LoopLag
from bot.services.container import Services
from bot.services.inbound_keeper import InboundKeeper
from bot.services.live_sites import LiveSites
from bot.services.sessions import SessionSigner
from bot.store.deliveries import DeliveryStore
from bot.store.incidents import IncidentStore
from handlers.admission import Admission

SETTINGS = web.AppKey("settings", Settings)
SITES = web.AppKey("sites", LiveSites)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
REDIS = web.AppKey("redis", redis.Redis)
ENGINE = web.AppKey("engine", AsyncEngine)
# New shootings' own pool: reply handling cannot take its connections.
LIVE_ENGINE = web.AppKey("live_engine", AsyncEngine)
INCIDENTS = web.AppKey("incidents", IncidentStore)
DELIVERIES = web.AppKey("deliveries", DeliveryStore)
SERVICES = web.AppKey("services", Services)
# Keeps inbound SMS in batches under a flood (bound to the app's event loop).
INBOUND_KEEPER = web.AppKey("inbound_keeper", InboundKeeper)
API_TOKEN = web.AppKey("api_token", Secret)
# What webhooks are signed with (bot.config.settings: twilio_webhook_auth, slack_webhook_secret).
TWILIO_AUTH = web.AppKey("twilio_auth", tuple[str | None, Secret])
SLACK_SECRET = web.AppKey("slack_secret", Secret)
BOLT = web.AppKey("bolt", AsyncApp)
# The operator endpoints' own Redis client, with short timeouts (/readyz, /metrics).
PROBE_REDIS = web.AppKey("probe_redis", redis.Redis)
# What this process measures itself, for /metrics; never prometheus_client's global registry.
METRICS = web.AppKey("metrics", CollectorRegistry)
WEBHOOK_SECONDS = web.AppKey("webhook_seconds", Histogram)
# Requests in flight per route class (handlers.admission) and the event loop's lag: /readyz's
# "load" check. The Twilio handlers take their inline slots from ADMISSION.
ADMISSION = web.AppKey("admission", Admission)
LOOP_LAG = web.AppKey("loop_lag", LoopLag)
SESSIONS = web.AppKey("sessions", SessionSigner)
# What calendar links are made with (Settings.calendar_key, from the session secret).
CALENDAR_KEY = web.AppKey("calendar_key", bytes)
MAP_OUTLINES = web.AppKey("map_outlines", list[TeamOutline])
MAP_BOROUGHS = web.AppKey("map_boroughs", list[BoroughOutline])
# The map's initial view (alerts.map_shapes.bounds: west, south, east, north), worked out once.
MAP_BOUNDS = web.AppKey("map_bounds", tuple[float, float, float, float])
