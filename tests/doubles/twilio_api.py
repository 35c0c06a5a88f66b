"""A loopback Twilio REST API (Messages) that the real `twilio` SDK can talk to.

Point a client at it with `client.api.base_url = twilio.url`. It checks Basic auth, validates
creates like Twilio, pages lists like Twilio, signs status callbacks and inbound webhooks like
Twilio, and injects the failures the app must survive (rate limits, 5xx, lost responses,
opted-out and invalid numbers).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDictProxy
from twilio.request_validator import RequestValidator

from tests.doubles import _twilio_calls as calls
from tests.doubles import _twilio_wire as wire
from tests.doubles._common import Clock, LoopbackServer, utc_now
from tests.doubles._twilio_calls import PlacedCall
from tests.polling import eventually

Form = MultiDictProxy[Any]  # what request.post() gives: str values here, files never


@dataclass(frozen=True)
class SentMessage:
    """An outbound message the double accepted, as the app asked for it."""

    sid: str
    to: str
    from_: str | None
    body: str
    status_callback: str | None
    messaging_service_sid: str | None
    num_segments: int
    date_created: datetime


@dataclass(frozen=True)
class TwilioRequest:
    """One HTTP request the double received (first value of each repeated field)."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


@dataclass
class _Stored:
    """A message resource as list/fetch show it, with its send time for filtering."""

    resource: dict[str, Any]
    sent_at: datetime
    status_callback: str | None = None


class TwilioApiDouble(LoopbackServer):
    """Twilio's Messages API on 127.0.0.1; `async with TwilioApiDouble(...) as twilio`."""

    def __init__(self, account_sid: str, auth_token: str, *, clock: Clock = utc_now) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[SentMessage] = []
        self.calls: list[PlacedCall] = []
        self.requests: list[TwilioRequest] = []
        self._clock = clock
        self._stored: list[_Stored] = []  # oldest first; lists answer newest first
        self._fail_next: deque[tuple[int, int | None]] = deque()
        self._hangs: deque[tuple[float, bool]] = deque()
        self._bad_numbers: dict[str, int] = {}
        self._ratio: tuple[float, tuple[int, ...], random.Random] | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """Base URL to set as `client.api.base_url`."""
        return self.origin

    @property
    def _base(self) -> str:
        return f"/{wire.API_VERSION}/Accounts/{self.account_sid}"

    def build_app(self) -> web.Application:
        """Routes of the Messages resource, behind auth and recording."""
        app = web.Application(middlewares=[self._record_and_authenticate])
        base = f"/{wire.API_VERSION}/Accounts/{{account_sid}}"
        app.router.add_post(f"{base}/Messages.json", self._create)
        app.router.add_get(f"{base}/Messages.json", self._list)
        app.router.add_get(f"{base}/Messages/{{sid}}.json", self._fetch)
        app.router.add_post(f"{base}/Calls.json", self._create_call)
        app.router.add_get(f"{base}/Calls.json", self._list_calls)
        app.router.add_get(f"{base}/Calls/{{sid}}.json", self._fetch_call)
        return app

    async def __aenter__(self) -> Self:
        """Start serving, with a session for the webhooks Twilio sends to the app."""
        await super().__aenter__()
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        """Stop serving and close the webhook session."""
        if self._session is not None:
            await self._session.close()
        await super().__aexit__(*exc_info)

    # Recording helpers -------------------------------------------------------------------

    def sent_to(self, number: str) -> list[SentMessage]:
        """Accepted messages addressed to `number`, oldest first."""
        return [m for m in self.messages if m.to == number]

    async def wait_for(
        self, count: int, timeout: float = 5.0  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least `count` messages were accepted; return them all."""
        return await eventually(lambda: list(self.messages), f"{count} accepted Twilio message(s)",
                                until=lambda sent: len(sent) >= count, within=timeout,
                                interval=0.01)

    def calls_to(self, number: str) -> list[PlacedCall]:
        """Calls placed to `number`, oldest first."""
        return [c for c in self.calls if c.to == number]

    async def wait_for_calls(
        self, count: int, timeout: float = 5.0  # noqa: ASYNC109
    ) -> list[PlacedCall]:
        """Wait until at least `count` calls were placed; return them all."""
        return await eventually(lambda: list(self.calls), f"{count} placed Twilio call(s)",
                                until=lambda placed: len(placed) >= count, within=timeout,
                                interval=0.01)

    # Fault injection ---------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500, retry_after: int | None = None) -> None:
        """Fail the next `n` creates with a transient error (429, 500 or 503)."""
        if status not in wire.TRANSIENT_CODES:
            raise ValueError(f"unsupported transient status {status}")
        self._fail_next.extend([(status, retry_after)] * n)

    def fail_number(self, number: str, code: int) -> None:
        """Fail every create to `number` with a permanent error (21211, 21610, 21612, 21614)."""
        if code not in wire.PERMANENT_CODES:
            raise ValueError(f"unsupported permanent error code {code}")
        self._bad_numbers[number] = code

    def hang_next(self, n: int, seconds: float, *, accept: bool = False) -> None:
        """Stall the next `n` creates for `seconds` before answering.

        With `accept=True` the message is created before the stall (Twilio took it, the
        response was lost); otherwise nothing is created and the late answer is a 503.
        """
        self._hangs.extend([(seconds, accept)] * n)

    def fail_ratio(
        self, ratio: float, statuses: Iterable[int] = (500, 429), seed: int = 0
    ) -> None:
        """Fail a `ratio` of creates at random with one of `statuses`; 0 turns it off."""
        self._ratio = (ratio, tuple(statuses), random.Random(seed)) if ratio else None

    # Webhooks to the app -----------------------------------------------------------------

    async def deliver(
        self, sid: str, status: str = "delivered", error_code: int | None = None
    ) -> int:
        """Set a message's status and POST its signed status callback; return the app's status."""
        stored = self._find(sid)
        if stored is None or stored.status_callback is None:
            raise ValueError(f"message {sid} has no StatusCallback")
        now = self._clock()
        res = stored.resource
        res.update(status=status, date_updated=wire.rfc2822(now), error_code=error_code)
        res["error_message"] = None if error_code is None else wire.DELIVERY_ERRORS.get(error_code)
        params = {
            "AccountSid": self.account_sid, "ApiVersion": wire.API_VERSION,
            "From": res["from"] or "", "MessageSid": sid, "MessageStatus": status,
            "SmsSid": sid, "SmsStatus": status, "To": res["to"],
        }
        if res["messaging_service_sid"]:
            params["MessagingServiceSid"] = res["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        if status in ("delivered", "undelivered"):
            params["RawDlrDoneDate"] = now.strftime("%y%m%d%H%M")  # the carrier's receipt time
        status_code, _ = await self._post_signed(stored.status_callback, params, self.auth_token)
        return status_code

    async def send_inbound(
        self,
        url: str,
        from_: str,
        to: str,
        body: str,
        *,
        message_sid: str | None = None,
        auth_token: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST a signed inbound-SMS webhook to `url`; a wrong `auth_token` forges it."""
        sid = message_sid or wire.new_sid("SM")
        params = {
            "AccountSid": self.account_sid, "ApiVersion": wire.API_VERSION, "Body": body,
            "From": from_, "MessageSid": sid, "NumMedia": "0",
            "NumSegments": str(wire.count_segments(body)), "SmsMessageSid": sid,
            "SmsSid": sid, "SmsStatus": "received", "To": to, **(extra or {}),
        }
        if auth_token in (None, self.auth_token):
            # Twilio keeps the inbound messages it really received; lists show them.
            now = self._clock().replace(microsecond=0)
            resource = wire.message_resource(self._base, sid, to, from_, body, None, now)
            resource.update(direction="inbound", status="received")
            self._stored.append(_Stored(resource, now))
        return await self._post_signed(url, params, auth_token or self.auth_token)

    async def _post_signed(
        self, url: str, params: dict[str, str], token: str
    ) -> tuple[int, str]:
        if self._session is None:
            raise RuntimeError("the double is not running; use it with `async with`")
        headers = {
            "X-Twilio-Signature": RequestValidator(token).compute_signature(url, params),
            "I-Twilio-Idempotency-Token": wire.new_sid(""),
            "User-Agent": "TwilioProxy/1.1",
        }
        async with self._session.post(url, data=params, headers=headers) as response:
            return response.status, await response.text()

    # Calls: what a phone does with them ---------------------------------------------------

    async def pick_up(self, sid: str, answered_by: str = "human") -> str:
        """Answer the call: fetch its TwiML from the app as Twilio does; return the TwiML.
        `answered_by`: what machine detection found (`machine_end_beep` for a voicemail box)."""
        call = self._call(sid)
        call.status = "in-progress"
        return await self._call_webhook(call, call.url, answered_by=answered_by)

    async def press(self, sid: str, digits: str) -> str:
        """Press keys while the call's last TwiML gathers; return the app's next TwiML."""
        call = self._call(sid)
        action = calls.gather_action(call.twiml[-1], call.url) if call.twiml else None
        if action is None:
            raise ValueError(f"call {sid} is not gathering keys")
        return await self._call_webhook(call, action, Digits=digits)

    async def wait_out(self, sid: str) -> str:
        """Press nothing: follow the TwiML's <Redirect> as Twilio does when a gather times out."""
        call = self._call(sid)
        target = calls.redirect_target(call.twiml[-1], call.url)
        if target is None:
            raise ValueError(f"call {sid} has nothing to go on to")
        return await self._call_webhook(call, target)

    async def hang_up(self, sid: str, status: str = "completed") -> int:
        """End the call (`busy`, `no-answer`, `failed` for one nobody took) and POST its signed
        status callback; return the app's HTTP status."""
        call = self._call(sid)
        if not calls.ended(status):
            raise ValueError(f"{status!r} is not a final call status")
        call.status = status
        if call.status_callback is None:
            raise ValueError(f"call {sid} has no StatusCallback")
        params = {**self._call_params(call), "CallDuration": "0" if status != "completed" else "20",
                  "CallbackSource": "call-progress-events", "SequenceNumber": "0"}
        code, _ = await self._post_signed(call.status_callback, params, self.auth_token)
        return code

    def _call(self, sid: str) -> PlacedCall:
        found = next((c for c in self.calls if c.sid == sid), None)
        if found is None:
            raise ValueError(f"no call {sid}")
        return found

    def _call_params(self, call: PlacedCall) -> dict[str, str]:
        return {"AccountSid": self.account_sid, "ApiVersion": wire.API_VERSION,
                "CallSid": call.sid, "CallStatus": call.status, "Called": call.to,
                "Caller": call.from_, "Direction": "outbound-api", "From": call.from_,
                "To": call.to}

    async def _call_webhook(self, call: PlacedCall, url: str, answered_by: str | None = None,
                            **extra: str) -> str:
        params = self._call_params(call)
        if answered_by and call.machine_detection:
            params["AnsweredBy"] = answered_by
        params.update(extra)
        status, text = await self._post_signed(url, params, self.auth_token)
        if status != 200:
            raise AssertionError(f"the app answered a voice webhook with {status}: {text[:200]}")
        call.twiml.append(text)
        return text

    # HTTP handlers -----------------------------------------------------------------------

    @web.middleware
    async def _record_and_authenticate(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        form = await request.post()
        self.requests.append(
            TwilioRequest(
                request.method,
                request.path,
                {k: request.query[k] for k in request.query},
                {k: str(form[k]) for k in form},
            )
        )
        auth = request.headers.get("Authorization", "")
        try:
            creds = aiohttp.BasicAuth.decode(auth)
        except ValueError:
            creds = None
        if creds is None or (creds.login, creds.password) != (self.account_sid, self.auth_token):
            headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            return wire.error_response(20003, headers=headers)
        if request.match_info.get("account_sid", self.account_sid) != self.account_sid:
            return wire.error_response(20404, path=request.path)
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return wire.error_response(20404, path=request.path)

    async def _create(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._hangs:
            return self._accept_or_refuse(form)
        seconds, accept = self._hangs.popleft()
        # Accepted: the message exists before the stall, only the answer is late (or lost).
        # Not accepted: nothing is created, and a client still waiting gets a 503.
        response = self._accept_or_refuse(form) if accept else wire.error_response(20503)
        await self.stall(seconds)
        return response

    def _accept_or_refuse(self, form: Form) -> web.Response:
        # Transient faults first: they stand for Twilio's edge, before any validation.
        if self._fail_next:
            status, retry_after = self._fail_next.popleft()
            return self._transient(status, retry_after)
        if self._ratio is not None:
            ratio, statuses, rng = self._ratio
            if rng.random() < ratio:
                return self._transient(rng.choice(statuses), None)
        to, body = str(form.get("To", "")).strip(), str(form.get("Body", ""))
        sender, service = form.get("From"), form.get("MessagingServiceSid")
        if not to:
            return wire.error_response(21604)
        if not wire.is_valid_address(to):
            return wire.error_response(21211, to=to)
        if not sender and not service:
            return wire.error_response(21603)
        if not body and "MediaUrl" not in form and "ContentSid" not in form:
            return wire.error_response(21602)
        if len(body) > wire.MAX_BODY:
            return wire.error_response(21617)
        if to in self._bad_numbers:
            return wire.error_response(self._bad_numbers[to], to=to)
        return self._accept(form, to, body, sender, service)

    def _transient(self, status: int, retry_after: int | None) -> web.Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return wire.error_response(wire.TRANSIENT_CODES[status], headers=headers)

    def _accept(
        self, form: Form, to: str, body: str, sender: str | None, service: str | None
    ) -> web.Response:
        now = self._clock().replace(microsecond=0)  # Twilio dates have whole seconds
        sid, callback = wire.new_sid("SM"), form.get("StatusCallback")
        segments = wire.count_segments(body)
        self.messages.append(SentMessage(sid, to, sender, body, callback, service, segments, now))
        resource = wire.message_resource(self._base, sid, to, sender, body, service, now)
        resource["num_media"] = str(len(form.getall("MediaUrl", [])))
        self._stored.append(_Stored(resource, now, callback))
        # The create answer is a snapshot before sending: queued (accepted through a
        # Messaging Service, whose sender is not chosen yet, hence 0 segments), no date_sent.
        # Later reads show the message as sent at creation time.
        answer = {**resource, "status": "accepted" if service else "queued", "date_sent": None}
        if service:
            answer["num_segments"] = "0"
        return web.json_response(answer, status=201)

    async def _create_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._hangs:
            return self._accept_or_refuse_call(form)
        seconds, accept = self._hangs.popleft()
        response = self._accept_or_refuse_call(form) if accept else wire.error_response(20503)
        await self.stall(seconds)
        return response

    def _accept_or_refuse_call(self, form: Form) -> web.Response:
        if self._fail_next:
            status, retry_after = self._fail_next.popleft()
            return self._transient(status, retry_after)
        refused = calls.refusal(form)
        if refused is not None:
            return refused
        to = str(form["To"]).strip()
        if to in self._bad_numbers:
            return wire.error_response(self._bad_numbers[to], to=to)
        call = PlacedCall(wire.new_sid("CA"), to, str(form["From"]), str(form["Url"]),
                          form.get("StatusCallback"), form.get("MachineDetection"),
                          self._clock().replace(microsecond=0))
        self.calls.append(call)
        return web.json_response(call.resource(self._base), status=201)

    async def _list_calls(self, request: web.Request) -> web.Response:
        query = request.query
        newest_first = [c.resource(self._base) for c in reversed(self.calls)
                        if ("To" not in query or query["To"] == c.to)
                        and ("From" not in query or query["From"] == c.from_)
                        and ("Status" not in query or query["Status"] == c.status)]
        try:
            page = wire.list_page(f"{self._base}/Calls.json", query, newest_first, key="calls")
        except ValueError:
            return wire.error_response(20001)
        return web.json_response(page)

    async def _fetch_call(self, request: web.Request) -> web.Response:
        found = next((c for c in self.calls if c.sid == request.match_info["sid"]), None)
        if found is None:
            return wire.error_response(20404, path=request.path)
        return web.json_response(found.resource(self._base))

    async def _fetch(self, request: web.Request) -> web.Response:
        stored = self._find(request.match_info["sid"])
        if stored is None:
            return wire.error_response(20404, path=request.path)
        return web.json_response(stored.resource)

    def _find(self, sid: str) -> _Stored | None:
        return next((s for s in self._stored if s.resource["sid"] == sid), None)

    async def _list(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            newest_first = [
                s.resource
                for s in reversed(self._stored)
                if wire.passes(query, s.resource, s.sent_at)
            ]
            page = wire.list_page(f"{self._base}/Messages.json", query, newest_first)
        except ValueError:
            return wire.error_response(20001)
        return web.json_response(page)
