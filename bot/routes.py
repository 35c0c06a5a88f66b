"""Every HTTP route, in one table."""

from __future__ import annotations

from aiohttp import web

from handlers import health, incidents_api, slack_events, takedowns_api, twilio_webhooks


def setup_routes(app: web.Application) -> None:
    """Attach the routes to the app."""
    app.router.add_routes([
        web.get("/healthz", health.healthz),
        web.get("/openapi.json", health.openapi_json),
        web.post("/api/incidents", incidents_api.post_incident),
        web.get("/api/incidents/{id}", incidents_api.get_incident),
        web.get("/api/roster", incidents_api.get_roster),
        web.post("/api/takedowns", takedowns_api.post_takedown),
        web.get("/api/takedowns", takedowns_api.list_takedowns),
        web.get("/api/takedowns/{id}", takedowns_api.get_takedown),
        web.patch("/api/takedowns/{id}", takedowns_api.patch_takedown),
        web.post("/api/takedowns/{id}/cancel", takedowns_api.cancel_takedown),
        web.post("/api/takedowns/{id}/confirm", takedowns_api.confirm_takedown),
        web.post("/twilio/sms", twilio_webhooks.inbound_sms),
        web.post("/twilio/status", twilio_webhooks.status_callback),
        web.post("/slack/events", slack_events.slack_events),
    ])
