"""The OpenAPI document of the JSON API (and the webhooks), served at /openapi.json."""

from __future__ import annotations

from typing import Any

from alerts.incident import ID_PATTERN, TEXT_LIMITS
from alerts.incident_query import DEFAULT_LIMIT, MAX_LIMIT, STATUSES
from alerts.incident_types import BUILTIN_TYPES

_ERROR = {"type": "object", "required": ["error"],
          "properties": {"error": {"type": "string"}, "field": {"type": "string"}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _responses(ok: str, ok_schema: dict[str, Any], *errors: int) -> dict[str, Any]:
    names = {400: "Bad input; `field` names it", 401: "Missing or wrong bearer token",
             403: "Bad signature", 404: "Not found", 409: "Not possible in this state",
             413: "Body too large", 503: "Database unavailable; retry after `Retry-After`"}
    responses: dict[str, Any] = {ok: {"description": "OK", "content": _json(ok_schema)}}
    for code in errors:
        responses[str(code)] = {"description": names[code], "content": _json(_ERROR)}
    return responses


INCIDENT = {
    "type": "object", "required": ["id", "occurred_at"],
    "properties": {
        "id": {"type": "string", "pattern": f"{ID_PATTERN}$", "example": "NYPD-261234567"},
        "occurred_at": {"type": "string", "format": "date-time",
                        "example": "2026-07-04T23:15:00-04:00"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "nullable": True},
        "lon": {"type": "number", "minimum": -180, "maximum": 180, "nullable": True},
        "precinct": {"type": "integer", "minimum": 1, "maximum": 999, "nullable": True},
        "fatal": {"type": "boolean"}, "victims": {"type": "integer", "minimum": 0, "maximum": 100},
        "verified": {"type": "boolean"},
        "page": {"type": "boolean", "default": False,
                 "description": "page even when it occurred more than CMSBOT_PAGE_WITHIN "
                                "(12h) before it arrives; one more than 10 minutes in the "
                                "future is a 400 either way"},
        **{field: {"type": "string", "maxLength": most} for field, most in TEXT_LIMITS.items()},
        "type": {"type": "string", "default": "shooting", "example": "shots-fired",
                 "description": f"one of {', '.join(BUILTIN_TYPES)} or any the sites file "
                                "lists under incident_types; another is a 400"},
    },
}
_TIME = {"type": "string", "format": "date-time", "example": "2026-07-04T23:15:00-04:00"}
LIST_PARAMETERS = [
    {"name": "since", "in": "query", "schema": _TIME,
     "description": "occurred at or after this time (ISO 8601 with a UTC offset)"},
    {"name": "until", "in": "query", "schema": _TIME,
     "description": "occurred before this time (ISO 8601 with a UTC offset)"},
    {"name": "team", "in": "query", "schema": {"type": "string"},
     "description": "routed to this team (a team id of the sites file)"},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
    {"name": "source", "in": "query",
     "schema": {"type": "string", "maxLength": TEXT_LIMITS["source"]}},
    {"name": "type", "in": "query", "schema": {"type": "string", "example": "shots-fired"},
     "description": "an incident type (built-in or from the sites file)"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                 "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"},
     "description": "`next` of the page before, as it was given"},
]
INCIDENT_LIST = {"type": "object", "required": ["incidents", "next"],
                 "properties": {"incidents": {"type": "array", "items": {"type": "object"},
                                              "description": "newest first (by occurred_at, "
                                                             "then id), each as GET "
                                                             "/api/incidents/{id} shows it"},
                                "next": {"type": "string", "nullable": True,
                                         "description": "the cursor of the next page; null "
                                                        "on the last"}}}
INGESTED = {"type": "object",
            "required": ["id", "status", "teams", "deliveries", "duplicate", "paged"],
            "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                           "teams": {"type": "array", "items": {"type": "string"}},
                           "deliveries": {"type": "integer"}, "duplicate": {"type": "boolean"},
                           "paged": {"type": "boolean",
                                     "description": "whether this post paged anyone"},
                           "reason": {"type": "string",
                                      "enum": ["stale", "duplicate", "update",
                                               "possible duplicate"],
                                      "description": "why it paged nobody: it occurred too "
                                                     "long before it arrived, was known, or "
                                                     "updated a known one and paged no one "
                                                     "new"},
                           "possible_duplicate_of": {
                               "type": "string",
                               "description": "another source's open incident this may repeat: "
                                              "its teams are not paged again until a "
                                              "coordinator keeps it separate"},
                           "changed": {"type": "array", "items": {"type": "string"},
                                       "description": "a re-post that said something new: "
                                                      "the fields it changed"}}}
_FIELDS = {name: schema for name, schema in INCIDENT["properties"].items()  # type: ignore[attr-defined]
           if name not in ("id", "page")}
INCIDENT_PATCH = {
    "type": "object", "minProperties": 1, "additionalProperties": False,
    "description": "any of the incident's fields; null clears an optional one",
    "properties": {"id": {"type": "string", "description": "if given, the path's id"},
                   **{name: {**schema, "nullable": True} for name, schema in _FIELDS.items()}}}
UPDATED = {"type": "object", "required": ["id", "status", "changed"],
           "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                          "changed": {"type": "array", "items": {"type": "string"},
                                      "description": "the fields this update changed"}}}
CANCEL = {"type": "object", "required": ["reason"],
          "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 200},
                         "by": {"type": "string", "minLength": 1, "maxLength": 120}}}
CANCELLED = {"type": "object", "required": ["id", "status", "told", "notices_withdrawn"],
             "properties": {"id": {"type": "string"},
                            "status": {"type": "string", "enum": ["cancelled"]},
                            "told": {"type": "integer"}, "notices_withdrawn": {"type": "integer"}}}
TAKEDOWN_REQUEST = {
    "type": "object", "required": ["area", "date"],
    "properties": {"area": {"type": "string", "example": "precinct:75"},
                   "date": {"type": "string", "example": "2026-12-01"},
                   "note": {"type": "string"}, "created_by": {"type": "string"},
                   "confirm_past": {"type": "boolean"}},
}
TAKEDOWN = {"type": "object", "required": ["id", "area", "date", "status", "steps"],
            "properties": {"id": {"type": "string", "example": "TD-7"}, "area": {"type": "string"},
                           "date": {"type": "string"}, "status": {"type": "string"},
                           "steps": {"type": "array", "items": {"type": "object"}},
                           "timeline": {"type": "array", "items": {"type": "object"}}}}
_CHECK = {"type": "string", "enum": ["ok", "unreachable", "timeout"]}
READINESS = {"type": "object", "required": ["status", "checks"],
             "properties": {"status": {"type": "string", "enum": ["ready", "unavailable"]},
                            "checks": {"type": "object", "required": ["redis", "database"],
                                       "properties": {"redis": _CHECK, "database": _CHECK}}}}
FORM = {"application/x-www-form-urlencoded": {"schema": {"type": "object",
                                                          "additionalProperties": True}}}
_PATH_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def document() -> dict[str, Any]:
    """The whole document."""
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    takedown_id = {"parameters": _PATH_ID, "security": secured}
    return {
        "openapi": "3.0.3",
        "info": {"title": "cmsbot", "version": "1",
                 "description": "Alerting and coordination for NYC's Crisis Management System."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/incidents": {"post": {
                "summary": "Report an incident; the same id again updates what it says anew",
                "security": secured, "requestBody": {"required": True, "content": _json(INCIDENT)},
                "responses": _responses("202", INGESTED, 400, 401, 413, 503)},
                "get": {"summary": "Find incidents, newest first, a page at a time (phones "
                                   "redacted as in the single view)",
                        "security": secured, "parameters": LIST_PARAMETERS,
                        "responses": _responses("200", INCIDENT_LIST, 400, 401, 503)}},
            "/api/incidents/{id}": {
                "get": {"summary": "An incident with its teams, pages, deliveries and timeline",
                        "parameters": _PATH_ID, "security": secured,
                        "responses": _responses("200", {"type": "object"}, 401, 404)},
                "patch": {"summary": "Update an incident; those paged are told what changed",
                          "parameters": _PATH_ID, "security": secured,
                          "requestBody": {"required": True, "content": _json(INCIDENT_PATCH)},
                          "responses": _responses("200", UPDATED, 400, 401, 404, 413, 503)}},
            "/api/incidents/{id}/cancel": {"post": {
                "summary": "Cancel an unfounded or duplicate incident; those paged are told",
                "parameters": _PATH_ID, "security": secured,
                "requestBody": {"required": True, "content": _json(CANCEL)},
                "responses": _responses("200", CANCELLED, 400, 401, 404, 409, 413, 503)}},
            "/api/roster": {"get": {
                "summary": "Members now: on shift, opted out, open alerts (phones redacted)",
                "security": secured,
                "parameters": [{"name": "team", "in": "query", "schema": {"type": "string"}}],
                "responses": _responses("200", {"type": "object"}, 401, 404)}},
            "/api/heartbeat/{source}": {"post": {
                "summary": "The feed is alive: contact from a source the sites file lists "
                           "(a source silent past its expect_within pages the coordinators)",
                "security": secured,
                "parameters": [{"name": "source", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                # 404: the sites file lists no such source (the error names those it does).
                "responses": {**_responses("204", {}, 401, 404),
                              "204": {"description": "Contact recorded"}}}},
            "/api/takedowns": {
                "post": {"summary": "Plan post-takedown outreach", "security": secured,
                         "requestBody": {"required": True, "content": _json(TAKEDOWN_REQUEST)},
                         "responses": _responses("201", TAKEDOWN, 400, 401, 413)},
                "get": {"summary": "Every plan", "security": secured,
                        "responses": _responses("200", {"type": "object"}, 401)}},
            "/api/takedowns/{id}": {
                "get": {"summary": "One plan with its timeline", **takedown_id,
                        "responses": _responses("200", TAKEDOWN, 401, 404)},
                "patch": {"summary": "Move a plan to another date", **takedown_id,
                          "requestBody": {"required": True, "content": _json({
                              "type": "object", "required": ["date"],
                              "properties": {"date": {"type": "string"}}})},
                          "responses": _responses("200", TAKEDOWN, 400, 401, 404, 409)}},
            "/api/takedowns/{id}/cancel": {"post": {
                "summary": "Cancel the rest of a plan", **takedown_id,
                "responses": _responses("200", TAKEDOWN, 401, 404, 409)}},
            "/api/takedowns/{id}/confirm": {"post": {
                "summary": "Send the steps that were past when the plan was made", **takedown_id,
                "responses": _responses("200", TAKEDOWN, 401, 404, 409)}},
            "/twilio/sms": {"post": {
                "summary": "Inbound SMS (Twilio webhook, X-Twilio-Signature required); TwiML",
                "requestBody": {"content": FORM},
                "responses": {"200": {"description": "TwiML"},
                              "400": {"description": "Not a readable form"},
                              "403": {"description": "Bad signature, or a form Twilio never "
                                                     "sends (a re-cut replay)"},
                              "413": {"description": "Body too large"},
                              "415": {"description": "Not a urlencoded form"}}}},
            "/twilio/status": {"post": {
                "summary": "Delivery status callback (Twilio webhook, signed)",
                "requestBody": {"content": FORM},
                "responses": {"204": {"description": "Recorded"},
                              "400": {"description": "Not a readable form"},
                              "403": {"description": "Bad signature, or a form Twilio never "
                                                     "sends (a field missing, a re-cut replay)"},
                              "415": {"description": "Not a urlencoded form"}}}},
            "/slack/events": {"post": {
                "summary": "Slack commands, buttons and events (Slack signature required)",
                "requestBody": {"content": FORM},
                "responses": {"200": {"description": "Acknowledged"},
                              "400": {"description": "A signed body Slack does not send"},
                              "401": {"description": "Bad or stale signature"}}}},
            "/healthz": {"get": {"summary": "Liveness",
                                 "responses": {"200": {"description": "Up"}}}},
            "/readyz": {"get": {
                "summary": "Readiness: Redis and the database answer within seconds",
                "responses": {"200": {"description": "Ready", "content": _json(READINESS)},
                              "503": {"description": "Not ready: `checks` says which; retry "
                                                     "after `Retry-After`",
                                      "content": _json(READINESS)}}}},
            "/metrics": {"get": {
                "summary": "Prometheus text (format 0.0.4); the bearer is CMSBOT_METRICS_TOKEN, "
                           "when it is set",
                "security": [{}, {"bearer": []}],
                "responses": {"200": {"description": "Metrics", "content": {
                                  "text/plain": {"schema": {"type": "string"}}}},
                              "401": {"description": "CMSBOT_METRICS_TOKEN is set and was not "
                                                     "sent"}}}},
        },
    }
