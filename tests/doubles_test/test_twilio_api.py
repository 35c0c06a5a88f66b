"""The Twilio double driven by the real `twilio` SDK (sync in a thread, and async)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.doubles import TwilioApiDouble
from tests.doubles._twilio_wire import count_segments

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "double-auth-token"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
OURS = "+12125550100"
STAFF = "+12125550123"
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
# twilio's AsyncTwilioHttpClient still passes aiohttp.BasicAuth, deprecated in aiohttp 3.14:
# the SDK's noise, not something these tests can act on.
pytestmark = [
    pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioApiDouble]:
    async with TwilioApiDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
        yield double


@pytest.fixture
async def client(twilio: TwilioApiDouble) -> AsyncIterator[Client]:
    """An async-capable Client; its aiohttp session is opened on the test's loop."""
    http_client = AsyncTwilioHttpClient()
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
    client.api.base_url = twilio.url
    yield client
    await http_client.close()


def sync_client(
    twilio: TwilioApiDouble, token: str = AUTH_TOKEN, timeout: float | None = None
) -> Client:
    """A blocking Client (requests), to be called through asyncio.to_thread."""
    client = Client(ACCOUNT_SID, token, http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = twilio.url
    return client


def a_second_ago() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)


async def test_sync_client_creates_then_lists_by_to_and_date_sent_after(
    twilio: TwilioApiDouble,
) -> None:
    client, since = sync_client(twilio), a_second_ago()
    created = await asyncio.to_thread(
        client.messages.create,
        to=STAFF,
        from_=OURS,
        body="Gas leak, 5 Av",
        status_callback="https://cb.example/s",
    )

    assert created.sid.startswith("SM") and len(created.sid) == 34
    assert (created.status, created.direction, created.num_segments) == (
        "queued",
        "outbound-api",
        "1",
    )
    assert (created.to, created.from_, created.account_sid) == (STAFF, OURS, ACCOUNT_SID)
    assert created.date_created is not None and created.date_sent is None
    assert created.price is None and created.error_code is None and created.error_message is None
    assert created.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{created.sid}.json"

    listed = await asyncio.to_thread(client.messages.list, to=STAFF, date_sent_after=since)
    assert [(m.sid, m.status, m.body) for m in listed] == [(created.sid, "sent", "Gas leak, 5 Av")]
    assert listed[0].date_sent == created.date_created
    # What the SDK put on the wire for the date filter: an ISO instant under "DateSent>".
    assert twilio.requests[-1].query["DateSent>"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")

    later = datetime.now(UTC) + timedelta(minutes=1)
    assert await asyncio.to_thread(client.messages.list, to=STAFF, date_sent_after=later) == []
    assert await asyncio.to_thread(client.messages.list, to="+12125550199") == []

    [sent] = twilio.sent_to(STAFF)
    assert (sent.sid, sent.from_, sent.body, sent.num_segments) == (
        created.sid,
        OURS,
        "Gas leak, 5 Av",
        1,
    )
    assert sent.status_callback == "https://cb.example/s" and sent.messaging_service_sid is None


async def test_async_client_creates_fetches_and_lists(
    twilio: TwilioApiDouble, client: Client
) -> None:
    since = a_second_ago()
    created = await client.messages.create_async(to=STAFF, from_=OURS, body="Flooding")

    fetched = await client.messages(created.sid).fetch_async()
    assert (fetched.sid, fetched.status, fetched.body) == (created.sid, "sent", "Flooding")
    listed = await client.messages.list_async(to=STAFF, from_=OURS, date_sent_after=since)
    assert [m.sid for m in listed] == [created.sid]
    assert await client.messages.list_async(from_="+12125550999") == []
    assert [m.sid for m in await twilio.wait_for(1)] == [created.sid]


async def test_lists_page_newest_first_and_pages_do_not_shift(
    twilio: TwilioApiDouble, client: Client
) -> None:
    sids = [
        (await client.messages.create_async(to=STAFF, from_=OURS, body=f"#{i}")).sid
        for i in range(5)
    ]

    listed = await client.messages.list_async(to=STAFF, page_size=2)
    assert [m.sid for m in listed] == sids[::-1]
    pages = [r for r in twilio.requests if r.method == "GET"]
    assert [r.query.get("Page") for r in pages] == [None, "1", "2"]
    assert pages[1].query["PageToken"] == "PA" + sids[3]

    first = await client.messages.page_async(to=STAFF, page_size=2)
    await client.messages.create_async(to=STAFF, from_=OURS, body="newer")
    second = await first.next_page_async()
    assert second is not None and [m.sid for m in second] == [sids[2], sids[1]]

    in_thread = await asyncio.to_thread(sync_client(twilio).messages.list, to=STAFF, page_size=4)
    assert len(in_thread) == 6


async def test_rate_limit_raises_20429_then_the_retry_succeeds(
    twilio: TwilioApiDouble, client: Client
) -> None:
    twilio.fail_next(1, status=429, retry_after=3)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=STAFF, from_=OURS, body="x")
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert twilio.messages == []

    await client.messages.create_async(to=STAFF, from_=OURS, body="x")
    assert len(twilio.messages) == 1


async def test_rate_limit_sends_twilio_error_body_and_retry_after(twilio: TwilioApiDouble) -> None:
    twilio.fail_next(1, status=429, retry_after=3)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{twilio.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            data={"To": STAFF, "From": OURS, "Body": "x"},
            headers={"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, AUTH_TOKEN)},
        ) as response,
    ):
        assert response.status == 429
        assert response.headers["Retry-After"] == "3"
        assert await response.json() == {
            "code": 20429,
            "message": "Too Many Requests",
            "more_info": "https://www.twilio.com/docs/errors/20429",
            "status": 429,
        }


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (503, 20503)])
async def test_server_errors(
    twilio: TwilioApiDouble, client: Client, status: int, code: int
) -> None:
    twilio.fail_next(1, status=status)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=STAFF, from_=OURS, body="x")
    assert (caught.value.status, caught.value.code) == (status, code)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (21610, "unsubscribed recipient"),
        (21211, "is not a valid phone number"),
        (21614, "not a valid mobile number"),
    ],
)
async def test_failing_numbers_fail_permanently(
    twilio: TwilioApiDouble, client: Client, code: int, fragment: str
) -> None:
    twilio.fail_number(STAFF, code)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=STAFF, from_=OURS, body="x")
        assert (caught.value.status, caught.value.code) == (400, code)
        assert fragment in caught.value.msg
    await client.messages.create_async(to="+12125550124", from_=OURS, body="x")
    assert [m.to for m in twilio.messages] == ["+12125550124"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": "", "from_": OURS, "body": "x"}, 21604),
        ({"to": "555-0123", "from_": OURS, "body": "x"}, 21211),
        ({"to": STAFF, "body": "x"}, 21603),
        ({"to": STAFF, "from_": OURS}, 21602),
        ({"to": STAFF, "from_": OURS, "body": "x" * 1601}, 21617),
    ],
)
async def test_creates_are_validated_like_twilio(
    twilio: TwilioApiDouble, client: Client, kwargs: dict[str, Any], code: int
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(**kwargs)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert twilio.messages == []


async def test_wrong_credentials_get_401_20003(twilio: TwilioApiDouble) -> None:
    client = sync_client(twilio, token="not-the-token")
    with pytest.raises(TwilioRestException) as caught:
        await asyncio.to_thread(client.messages.create, to=STAFF, from_=OURS, body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert twilio.messages == [] and twilio.requests[-1].form["To"] == STAFF


async def test_unknown_message_is_404_20404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages("SM" + "0" * 32).fetch_async()
    assert (caught.value.status, caught.value.code) == (404, 20404)


async def test_messaging_service_create_is_accepted_with_zero_segments(
    twilio: TwilioApiDouble, client: Client
) -> None:
    created = await client.messages.create_async(
        to=STAFF, messaging_service_sid=SERVICE_SID, body="x"
    )
    assert (created.status, created.num_segments, created.from_) == ("accepted", "0", None)
    assert created.messaging_service_sid == SERVICE_SID
    assert twilio.messages[0].messaging_service_sid == SERVICE_SID
    assert twilio.messages[0].num_segments == 1


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension table: 2 septets each
        ("€" * 81, 2),
        ("a" * 152 + "€" + "a" * 152, 3),  # 306 septets, but the ESC pair is not split
        ("é" * 160, 1),  # é is in the GSM-7 default alphabet
        ("ç" * 70, 1),  # ç is not: UCS-2
        ("ç" * 71, 2),
        ("ç" * 134, 2),
        ("ç" * 135, 3),
        ("🚒" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("🚒" * 36, 2),
    ],
)
async def test_num_segments(client: Client, body: str, segments: int) -> None:
    assert count_segments(body) == segments
    created = await client.messages.create_async(to=STAFF, from_=OURS, body=body)
    assert created.num_segments == str(segments)


async def test_lost_response_after_acceptance_is_found_by_listing(
    twilio: TwilioApiDouble, client: Client
) -> None:
    since = a_second_ago()
    twilio.hang_next(1, 30.0, accept=True)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await client.messages.create_async(to=STAFF, from_=OURS, body="lost")
    listed = await client.messages.list_async(to=STAFF, from_=OURS, date_sent_after=since)
    assert [m.body for m in listed] == ["lost"]


async def test_hang_without_acceptance_creates_nothing(twilio: TwilioApiDouble) -> None:
    twilio.hang_next(1, 30.0)
    client = sync_client(twilio, timeout=0.3)
    with pytest.raises(requests.exceptions.Timeout):
        await asyncio.to_thread(client.messages.create, to=STAFF, from_=OURS, body="x")
    assert await asyncio.to_thread(client.messages.list, to=STAFF) == []
    assert twilio.messages == []

    twilio.hang_next(1, 0.05)  # a client patient enough gets the late 503
    with pytest.raises(TwilioRestException) as caught:
        await asyncio.to_thread(sync_client(twilio).messages.create, to=STAFF, from_=OURS, body="x")
    assert caught.value.status == 503


async def test_async_twilio_client_ignores_its_timeout_argument(twilio: TwilioApiDouble) -> None:
    # AsyncTwilioHttpClient stores `timeout` but never uses it, and passes timeout=None to
    # aiohttp, which means no timeout at all: callers must bound calls with asyncio.timeout.
    http_client = AsyncTwilioHttpClient(timeout=0.05)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
    client.api.base_url = twilio.url
    twilio.hang_next(1, 0.3, accept=True)
    started = time.monotonic()
    try:
        created = await client.messages.create_async(to=STAFF, from_=OURS, body="slow")
    finally:
        await http_client.close()
    assert created.body == "slow" and time.monotonic() - started >= 0.3


async def test_fail_ratio_is_deterministic_for_a_seed() -> None:
    async def outcomes(seed: int) -> list[int]:
        async with TwilioApiDouble(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as double:
            double.fail_ratio(0.5, statuses=(500, 429), seed=seed)
            http_client = AsyncTwilioHttpClient()
            client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
            client.api.base_url = double.url
            statuses = []
            for _ in range(20):
                try:
                    await client.messages.create_async(to=STAFF, from_=OURS, body="x")
                    statuses.append(201)
                except TwilioRestException as error:
                    statuses.append(error.status)
            await http_client.close()
            return statuses

    first, again = await outcomes(7), await outcomes(7)
    assert first == again
    assert {201, 500, 429} <= set(first)


async def status_receiver(
    aiohttp_server: ServerFactory, seen: list[tuple[bool, dict[str, str]]], token: str = AUTH_TOKEN
) -> TestServer:
    """A tiny app endpoint that checks X-Twilio-Signature the way the app will."""

    async def webhook(request: web.Request) -> web.Response:
        form = await request.post()
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = RequestValidator(token).validate(str(request.url), form, signature)
        seen.append((valid, {k: str(v) for k, v in form.items()}))
        return web.Response(status=204 if valid else 403)

    app = web.Application()
    app.router.add_post("/twilio/{kind}", webhook)
    return await aiohttp_server(app)


async def test_status_callbacks_are_signed_and_update_the_message(
    twilio: TwilioApiDouble, client: Client, aiohttp_server: ServerFactory
) -> None:
    seen: list[tuple[bool, dict[str, str]]] = []
    server = await status_receiver(aiohttp_server, seen)
    callback = str(server.make_url("/twilio/status")) + "?delivery=42"
    created = await client.messages.create_async(
        to=STAFF, from_=OURS, body="x", status_callback=callback
    )

    assert await twilio.deliver(created.sid) == 204
    valid, form = seen[-1]
    assert valid
    assert form["MessageSid"] == form["SmsSid"] == created.sid
    assert form["MessageStatus"] == form["SmsStatus"] == "delivered"
    assert (form["To"], form["From"], form["AccountSid"]) == (STAFF, OURS, ACCOUNT_SID)
    assert (
        form["ApiVersion"] == "2010-04-01" and "RawDlrDoneDate" in form and "ErrorCode" not in form
    )

    assert await twilio.deliver(created.sid, "undelivered", error_code=30006) == 204
    assert seen[-1][0] and seen[-1][1]["ErrorCode"] == "30006"
    fetched = await client.messages(created.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30006)
    assert fetched.error_message == "Landline or unreachable carrier"


async def test_callbacks_signed_with_another_token_do_not_validate(
    twilio: TwilioApiDouble, client: Client, aiohttp_server: ServerFactory
) -> None:
    seen: list[tuple[bool, dict[str, str]]] = []
    server = await status_receiver(aiohttp_server, seen, token="another-token")
    url = str(server.make_url("/twilio/status"))
    created = await client.messages.create_async(
        to=STAFF, from_=OURS, body="x", status_callback=url
    )
    assert await twilio.deliver(created.sid) == 403
    assert seen[-1][0] is False


async def test_inbound_sms_is_signed_and_can_be_forged(
    twilio: TwilioApiDouble, client: Client, aiohttp_server: ServerFactory
) -> None:
    seen: list[tuple[bool, dict[str, str]]] = []
    server = await status_receiver(aiohttp_server, seen)
    url = str(server.make_url("/twilio/sms"))

    assert await twilio.send_inbound(url, STAFF, OURS, "12a", extra={"OptOutType": "HELP"}) == (
        204,
        "",
    )
    valid, form = seen[-1]
    assert valid and form["Body"] == "12a" and form["From"] == STAFF and form["To"] == OURS
    assert (
        form["SmsStatus"] == "received" and form["NumMedia"] == "0" and form["NumSegments"] == "1"
    )
    assert form["MessageSid"] == form["SmsSid"] == form["SmsMessageSid"]
    assert form["MessageSid"].startswith("SM") and form["OptOutType"] == "HELP"

    status, _ = await twilio.send_inbound(url, STAFF, OURS, "12a", auth_token="forged")
    assert status == 403 and seen[-1][0] is False

    inbound = await client.messages.list_async(from_=STAFF)
    assert [(m.direction, m.status, m.body) for m in inbound] == [("inbound", "received", "12a")]
    assert twilio.messages == []


async def test_wait_for_times_out_naming_what_it_waited_for(twilio: TwilioApiDouble) -> None:
    with pytest.raises(TimeoutError, match="1 accepted Twilio message"):
        await twilio.wait_for(1, timeout=0.05)
