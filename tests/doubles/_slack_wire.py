"""Slack Web API wire details for the API double: argument parsing, errors, cursors, users."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

Args = dict[str, Any]
# Arguments that are JSON structures; form bodies carry them as JSON strings.
_STRUCTURED = ("attachments", "blocks", "metadata", "view")


class SlackError(Exception):
    """A Slack method failure, answered as HTTP 200 `{"ok": false, "error": ...}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def user(user_id: str, team_id: str, fields: Mapping[str, Any]) -> Args:
    """A users.info user object for `user_id`, with `fields` merged over the defaults."""
    name = str(fields.get("name", user_id.lower()))
    real_name = str(fields.get("real_name", name))
    return {
        "id": user_id, "team_id": team_id, "name": name, "deleted": False,
        "real_name": real_name, "tz": "America/New_York", "tz_label": "Eastern Time",
        "tz_offset": -18000, "is_admin": False, "is_owner": False, "is_bot": False,
        "is_app_user": False, "updated": 1700000000,
        "profile": {"real_name": real_name, "display_name": name, "team": team_id},
        **fields,
    }


async def read_args(request: web.Request) -> Args:
    """Merge query string and body (JSON or form), decoding JSON strings of structured args."""
    args: Args = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key in _STRUCTURED:
        if isinstance(args.get(key), str):
            # A malformed one is left as sent, for the method to reject.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def flag(value: object) -> bool:
    """Slack booleans: JSON true, or "1"/"true" in forms and query strings."""
    return value is True or value in (1, "1", "true", "True")


def require_content(args: Args) -> None:
    """Messages need text, blocks or attachments, else Slack answers `no_text`."""
    if not any(args.get(k) for k in ("text", "blocks", "attachments")):
        raise SlackError("no_text")


def checked_metadata(value: object) -> Args:
    """Message metadata as Slack stores it: `{"event_type": str, "event_payload": object}`."""
    if not (
        isinstance(value, dict)
        and isinstance(value.get("event_type"), str)
        and isinstance(value.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def is_reply(message: Args) -> bool:
    """Thread replies stay out of channel history unless broadcast to the channel."""
    thread_ts = message.get("thread_ts")
    return thread_ts not in (None, message["ts"]) and message.get("subtype") != "thread_broadcast"


def cursor_for(ts: str) -> str:
    """Slack's history cursor: base64 of `next_ts:<ts without the dot>`."""
    return base64.b64encode(f"next_ts:{ts.replace('.', '')}".encode()).decode()


def cursor_start(token: object, newest_first: list[Args]) -> int:
    """Index in `newest_first` where the page for cursor `token` begins (0 without one)."""
    if not token:
        return 0
    try:
        kind, _, value = base64.b64decode(str(token), validate=True).decode().partition(":")
        bound = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SlackError("invalid_cursor") from None
    if kind != "next_ts":
        raise SlackError("invalid_cursor")
    for index, message in enumerate(newest_first):
        if int(message["ts"].replace(".", "")) <= bound:
            return index
    return len(newest_first)
