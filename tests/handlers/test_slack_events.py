"""`/slack/events` refuses before it parses: the signature is checked on the raw body (401 when
missing, wrong or stale), then its shape (400 when a signed body is not one Slack sends). Each
refusal is one WARNING line without a traceback; a signed command still reaches Bolt."""

import hashlib
import hmac
import logging
import time
from urllib.parse import urlencode

import pytest

from tests.conftest import SIGNING_SECRET
from tests.slack_requests import signed_headers

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
MALFORMED = {  # what an attacker sent, and as what
    "bad JSON": (b'{"type": "block_actions", ', JSON),
    "a JSON list": (b'[{"type": "block_actions"}]', JSON),
    "a JSON string": (b'"block_actions"', JSON),
    "payload=notjson": (b"payload=notjson", FORM),
    "a payload that is a list": (b"payload=%5B1%2C2%5D", FORM),
    "bytes that are not UTF-8": (b"command=%2Fcms&text=\xff\xfe\xfd", FORM),
    "JSON that is not UTF-8": (b'{"text": "\xc3\x28"}', JSON),
    "JSON nested past the parser's depth": (b"[" * 100_000, JSON),
}


def signed_bytes(raw: bytes, content_type: str, *, age: int = 0) -> dict[str, str]:
    """Headers signing `raw` as Slack would: HMAC-SHA256 of v0:{timestamp}:{body bytes}."""
    timestamp = str(int(time.time()) - age)
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + raw,
                      hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": f"v0={digest}"}


def loud(caplog):
    """The log records at WARNING and above, as (logger, level, traceback?)."""
    return [(r.name, r.levelname, r.exc_info is not None)
            for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("case", MALFORMED)
async def test_an_unsigned_malformed_body_is_refused_401_in_one_line(client, slack, caplog, case):
    raw, content_type = MALFORMED[case]
    response = await client.post("/slack/events", data=raw,
                                 headers={"Content-Type": content_type})
    assert response.status == 401 and await response.json() == {"error": "invalid request"}
    assert loud(caplog) == [("handlers.slack_events", "WARNING", False)]
    assert slack.responses == []


@pytest.mark.parametrize("case", MALFORMED)
async def test_a_signed_malformed_body_is_refused_400_in_one_line(client, slack, caplog, case):
    raw, content_type = MALFORMED[case]
    response = await client.post("/slack/events", data=raw, headers=signed_bytes(raw, content_type))
    assert response.status == 400
    assert await response.json() == {"error": "the body is not a Slack request"}
    assert loud(caplog) == [("handlers.slack_events", "WARNING", False)]
    assert slack.responses == []


@pytest.mark.parametrize(("timestamp", "signature"), [
    ("", "v0=00"), ("1700000000", ""), ("not-a-number", "v0=00"), ("1" * 40, "v0=00"),
    (None, "v0=caf\u00e9"),  # a signature that is not ASCII
])
async def test_odd_signature_headers_are_refused_401(client, caplog, timestamp, signature):
    body = urlencode({"command": "/cms", "text": "help", "user_id": "U0COORD1"})
    now = str(int(time.time()))
    headers = {"Content-Type": FORM, "X-Slack-Signature": signature,
               "X-Slack-Request-Timestamp": now if timestamp is None else timestamp}
    response = await client.post("/slack/events", data=body.encode(), headers=headers)
    assert response.status == 401
    assert loud(caplog) == [("handlers.slack_events", "WARNING", False)]


async def test_a_stale_signature_is_refused_even_on_a_malformed_body(client, caplog):
    raw = b"payload=notjson"
    response = await client.post("/slack/events", data=raw,
                                 headers=signed_bytes(raw, FORM, age=6 * 60))
    assert response.status == 401


async def test_a_signed_command_still_works(client, slack):
    body = urlencode({"command": "/cms", "text": "help", "user_id": "U0COORD1",
                      "trigger_id": "t-help", "response_url": slack.response_url("help")})
    response = await client.post("/slack/events", data=body, headers=signed_headers(body))
    assert response.status == 200
    [answer] = await slack.wait_for_response(1)
    assert "/cms" in answer.body["text"]
