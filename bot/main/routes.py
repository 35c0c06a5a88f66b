"""Every HTTP route, in one table."""

from __future__ import annotations

from aiohttp import web

from handlers import (
    assets,
    calendar_feed,
    dashboard_api,
    dashboard_auth,
    dashboard_pages,
    dashboard_report,
    dashboard_roster,
    feeds_api,
    health,
    incident_changes_api,
    incident_list,
    incidents_api,
    reports_api,
    slack_events,
    takedowns_api,
    twilio_voice,
    twilio_webhooks,
)


def setup_routes(app: web.Application) -> None:
    """Attach the routes to the app."""
    app.router.add_routes([
        web.get("/healthz", health.healthz),
        web.get("/readyz", health.readyz),
        web.get("/metrics", health.metrics),
        web.get("/openapi.json", health.openapi_json),
        web.post("/api/incidents", incidents_api.post_incident),
        web.get("/api/incidents/{id}", incidents_api.get_incident),
        web.patch("/api/incidents/{id}", incident_changes_api.patch_incident),
        web.post("/api/incidents/{id}/cancel", incident_changes_api.cancel_incident),
        web.get("/api/roster", incidents_api.get_roster),
        web.get("/api/incidents", incident_list.list_incidents),
        web.post("/api/heartbeat/{source}", feeds_api.post_heartbeat),
        web.post("/api/takedowns", takedowns_api.post_takedown),
        web.get("/api/takedowns", takedowns_api.list_takedowns),
        web.get("/api/takedowns/{id}", takedowns_api.get_takedown),
        web.patch("/api/takedowns/{id}", takedowns_api.patch_takedown),
        web.post("/api/takedowns/{id}/cancel", takedowns_api.cancel_takedown),
        web.post("/api/takedowns/{id}/confirm", takedowns_api.confirm_takedown),
        web.post("/twilio/sms", twilio_webhooks.inbound_sms),
        web.post("/twilio/status", twilio_webhooks.status_callback),
        web.post("/twilio/voice", twilio_voice.voice),
        web.post("/twilio/voice/gather", twilio_voice.gather),
        web.post("/twilio/voice/status", twilio_voice.call_status),
        web.post("/slack/events", slack_events.slack_events),
        # The dashboard: pages, sign-in, and the JSON they read (all behind a session).
        web.get("/", dashboard_pages.map_page),
        web.get("/reports", dashboard_pages.reports_page),
        web.get("/report", dashboard_report.report_form),
        web.post("/report", dashboard_report.report_submit),
        web.get("/roster", dashboard_roster.roster_page),
        web.post("/roster", dashboard_roster.roster_submit),
        web.get("/signin", dashboard_auth.signin_help),
        web.get("/signin/{token}", dashboard_auth.signin_link),
        web.post("/signin", dashboard_auth.signin),
        web.post("/signout", dashboard_auth.signout),
        web.get("/dashboard/api/map", dashboard_api.map_data),
        web.get("/dashboard/api/incidents/{id}", dashboard_api.incident_timeline),
        web.get("/dashboard/api/changes", dashboard_api.changes),
        web.get("/dashboard/api/report", reports_api.get_report),
        web.get("/dashboard/api/report.csv", reports_api.get_report_csv),
        # A person's calendar feed: the secret in the link is its only credential.
        web.get("/calendar/{secret}.ics", calendar_feed.get_calendar),
        web.static("/static", assets.STATIC),
    ])
