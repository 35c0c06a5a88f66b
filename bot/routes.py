"""Every HTTP route, in one table."""

from __future__ import annotations

from aiohttp import web

from handlers import health, incidents_api, slack_events, twilio_webhooks


def setup_routes(app: web.Application) -> None:
    """Attach the routes to the app."""
    app.router.add_routes([
        web.get("/healthz", health.healthz),
        web.post("/api/incidents", incidents_api.post_incident),
        web.get("/api/incidents/{id}", incidents_api.get_incident),
        web.get("/api/roster", incidents_api.get_roster),
        web.post("/twilio/sms", twilio_webhooks.inbound_sms),
        web.post("/twilio/status", twilio_webhooks.status_callback),
        web.post("/slack/events", slack_events.slack_events),
    ])
