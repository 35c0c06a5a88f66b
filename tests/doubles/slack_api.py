"""A loopback Slack Web API that the real `slack_sdk` clients (and so bolt) can talk to.

Point a client at it with `AsyncWebClient(token=..., base_url=slack.url)`. It reads arguments
the three ways slack_sdk sends them (JSON body, form body, query string), answers with Slack's
`{"ok": ...}` envelopes, keeps channel history with message metadata, receives `respond()`
posts on `response_url(name)`, and injects rate limits and outages.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from tests.doubles import _slack_wire as slack_wire
from tests.doubles._common import Clock, LoopbackServer, utc_now
from tests.doubles._slack_wire import Args, SlackError
from tests.polling import eventually

_TRANSIENT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class SlackCall:
    """One Web API call the double received; `ok` is whether it answered `"ok": true`."""

    method: str
    args: Args
    token: str | None
    ok: bool


@dataclass(frozen=True)
class ResponsePost:
    """One JSON body posted to a `response_url(name)`, as bolt's `respond()` sends it."""

    name: str
    body: Args


class SlackApiDouble(LoopbackServer):
    """Slack's Web API on 127.0.0.1; `async with SlackApiDouble(bot_token=...) as slack`."""

    TEAM_ID, TEAM, DOMAIN = "T0CMSBOT01", "CMS Test", "cms-test"
    BOT_USER_ID, BOT_USER, BOT_ID, APP_ID = "U0CMSBOT01", "cmsbot", "B0CMSBOT01", "A0CMSBOT01"

    def __init__(
        self,
        bot_token: str,
        *,
        channels: Iterable[str] | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """`channels`: known channel ids (default: any id starting with C or G).

        `users`: user id -> fields merged into a users.info user object.
        """
        super().__init__()
        self.bot_token = bot_token
        self.calls: list[SlackCall] = []
        self.responses: list[ResponsePost] = []
        self._channels = None if channels is None else frozenset(channels)
        self._users: dict[str, Args] = {}
        for user_id, fields in (users or {}).items():
            self.add_user(user_id, **fields)
        self._clock = clock
        self._history: dict[str, list[Args]] = {}  # channel -> messages, oldest first
        self._faults: deque[tuple[int, int]] = deque()
        self._down = False
        self._last_micros = 0
        self._methods: dict[str, Callable[[Args], Args]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._permalink,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "views.open": self._views_open,
        }

    @property
    def url(self) -> str:
        """Base URL for `WebClient(base_url=...)`; the SDK appends the method name."""
        return f"{self.origin}/api/"

    def build_app(self) -> web.Application:
        """Every method under /api/, plus the response_url target."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        return app

    # Recording helpers -------------------------------------------------------------------

    def response_url(self, name: str) -> str:
        """A response_url to put in a payload; what is posted there lands in `.responses`."""
        return f"{self.origin}/response/{name}"

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every call to `method`, failed ones included, oldest first."""
        return [c for c in self.calls if c.method == method]

    def _ok_args(self, method: str) -> list[Args]:
        return [c.args for c in self.calls if c.method == method and c.ok]

    @property
    def posts(self) -> list[Args]:
        """Arguments of the accepted chat.postMessage calls."""
        return self._ok_args("chat.postMessage")

    @property
    def updates(self) -> list[Args]:
        """Arguments of the accepted chat.update calls."""
        return self._ok_args("chat.update")

    @property
    def ephemerals(self) -> list[Args]:
        """Arguments of the accepted chat.postEphemeral calls."""
        return self._ok_args("chat.postEphemeral")

    def add_user(self, user_id: str, **fields: Any) -> None:
        """Make users.info know `user_id`, with `fields` merged into the user object."""
        self._users[user_id] = slack_wire.user(user_id, self.TEAM_ID, fields)

    async def wait_for(
        self, method: str, count: int, timeout: float = 5.0  # noqa: ASYNC109
    ) -> list[SlackCall]:
        """Wait until `method` succeeded `count` times; return those calls."""

        return await eventually(lambda: [c for c in self.calls_to(method) if c.ok],
                                f"{count} ok {method} call(s)", until=lambda done: len(done) >= count,
                                within=timeout, interval=0.01)

    async def wait_for_response(
        self, count: int = 1, timeout: float = 5.0  # noqa: ASYNC109
    ) -> list[ResponsePost]:
        """Wait until `count` bodies were posted to response URLs; return them all."""
        return await eventually(lambda: list(self.responses), f"{count} response_url post(s)",
                                until=lambda posted: len(posted) >= count, within=timeout,
                                interval=0.01)

    # Fault injection ---------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 429, retry_after: int = 0) -> None:
        """Fail the next `n` calls: 429 `ratelimited` with Retry-After, or a bare 500/503."""
        if status not in _TRANSIENT_ERRORS:
            raise ValueError(f"unsupported status {status}")
        self._faults.extend([(status, retry_after)] * n)

    def down(self) -> None:
        """Answer every call, response URLs included, with 503 until `up()`."""
        self._down = True

    def up(self) -> None:
        """End a `down()` outage."""
        self._down = False

    # HTTP --------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await slack_wire.read_args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        token = token or args.pop("token", None)  # Slack still takes a token form field
        status, payload, headers = self._answer(method, args, token)
        self.calls.append(SlackCall(method, args, token, ok=status == 200 and payload["ok"]))
        return web.json_response(payload, status=status, headers=headers)

    def _answer(
        self, method: str, args: Args, token: str | None
    ) -> tuple[int, Args, dict[str, str]]:
        if self._down:
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        if self._faults:
            status, retry_after = self._faults.popleft()
            headers = {"Retry-After": str(retry_after)} if status == 429 else {}
            return status, {"ok": False, "error": _TRANSIENT_ERRORS[status]}, headers
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = self._methods.get(method)
        if handler is None:
            return 404, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        try:
            return 200, {"ok": True, **handler(args)}, {}
        except SlackError as error:
            return 200, {"ok": False, "error": error.error}, {}

    async def _response_url(self, request: web.Request) -> web.Response:
        if self._down:
            return web.Response(status=503, text="service unavailable")
        self.responses.append(ResponsePost(request.match_info["name"], await request.json()))
        return web.Response(text="ok")

    # Methods -----------------------------------------------------------------------------

    def _auth_test(self, args: Args) -> Args:
        return {
            "url": f"https://{self.DOMAIN}.slack.com/", "team": self.TEAM,
            "user": self.BOT_USER, "team_id": self.TEAM_ID, "user_id": self.BOT_USER_ID,
            "bot_id": self.BOT_ID, "is_enterprise_install": False,
        }

    def _post_message(self, args: Args) -> Args:
        channel = self._channel(args)
        slack_wire.require_content(args)
        message: Args = {
            "type": "message", "text": args.get("text", ""), "user": self.BOT_USER_ID,
            "bot_id": self.BOT_ID, "app_id": self.APP_ID, "team": self.TEAM_ID,
            "ts": self._next_ts(),
        }
        message.update({k: args[k] for k in ("blocks", "attachments", "thread_ts") if k in args})
        if "metadata" in args:
            message["metadata"] = slack_wire.checked_metadata(args["metadata"])
        if "thread_ts" in args and slack_wire.flag(args.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
        self._history.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": message["ts"], "message": message}

    def _update(self, args: Args) -> Args:
        channel = self._channel(args)
        message = self._find(channel, args.get("ts"))
        slack_wire.require_content(args)
        message.update({k: args[k] for k in ("text", "blocks", "attachments") if k in args})
        if "metadata" in args:
            message["metadata"] = slack_wire.checked_metadata(args["metadata"])
        message["edited"] = {"user": self.BOT_USER_ID, "ts": self._next_ts()}
        shown = {k: v for k, v in message.items() if k != "ts"}
        return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": shown}

    def _post_ephemeral(self, args: Args) -> Args:
        self._channel(args)
        if not args.get("user"):
            raise SlackError("user_not_in_channel")
        slack_wire.require_content(args)
        return {"message_ts": self._next_ts()}

    def _permalink(self, args: Args) -> Args:
        channel = self._channel(args)
        ts = self._find(channel, args.get("message_ts"))["ts"]
        link = f"https://{self.DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _conversations_history(self, args: Args) -> Args:
        channel = self._channel(args)
        try:
            oldest = Decimal(str(args.get("oldest") or 0))
            latest = Decimal(str(args["latest"])) if args.get("latest") else Decimal("Infinity")
            limit = min(max(int(args.get("limit") or 100), 1), 999)
        except (InvalidOperation, ValueError):
            raise SlackError("invalid_arguments") from None
        inclusive = slack_wire.flag(args.get("inclusive"))

        def in_window(ts: Decimal) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        visible = [
            m for m in reversed(self._history.get(channel, []))
            if not slack_wire.is_reply(m) and in_window(Decimal(m["ts"]))
        ]
        start = slack_wire.cursor_start(args.get("cursor"), visible)
        page = visible[start : start + limit]
        if not slack_wire.flag(args.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(visible)
        next_cursor = slack_wire.cursor_for(visible[start + limit]["ts"]) if more else ""
        return {
            "messages": page, "has_more": more, "pin_count": 0,
            "channel_actions_ts": None, "channel_actions_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, args: Args) -> Args:
        user = self._users.get(str(args.get("user", "")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user}

    def _views_open(self, args: Args) -> Args:
        view = args.get("view")
        if not args.get("trigger_id") or not isinstance(view, dict):
            raise SlackError("invalid_arguments")
        view_id = "V" + secrets.token_hex(5).upper()
        return {"view": {**view, "id": view_id, "team_id": self.TEAM_ID,
                         "state": {"values": {}}, "hash": secrets.token_hex(8)}}

    # Helpers -----------------------------------------------------------------------------

    def _channel(self, args: Args) -> str:
        channel = str(args.get("channel") or "")
        known = channel[:1] in ("C", "G") if self._channels is None else channel in self._channels
        if not known:
            raise SlackError("channel_not_found")
        return channel

    def _find(self, channel: str, ts: object) -> Args:
        for message in self._history.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def _next_ts(self) -> str:
        # Real time to the microsecond, bumped so that two posts never share a ts.
        micros = max(int(self._clock().timestamp() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
