"""The signature check of /slack/events is Slack's scheme, as slack_sdk's SignatureVerifier (what
Bolt runs) applies it, on the raw bytes; and a body's shape is judged as Bolt will read it."""

import time

import pytest
from slack_sdk.signature import SignatureVerifier

from handlers.slack_verify import signature_problem, slack_body
from tests.conftest import SIGNING_SECRET


@pytest.mark.parametrize("body", ["command=%2Fcms&text=help", '{"type": "event_callback"}',
                                  "", "caf\u00e9=\u2603"])
def test_the_check_agrees_with_slack_sdks_verifier(body):
    now = time.time()
    for age in (0, 299, 301):
        timestamp = str(int(now) - age)
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp,
                                                                         body=body)
        headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
        ours = signature_problem(body.encode(), headers, SIGNING_SECRET, now) is None
        assert ours == SignatureVerifier(SIGNING_SECRET).is_valid_request(body, headers)


@pytest.mark.parametrize(("text", "content_type", "body"), [
    ("", "application/json", {}),
    ("command=%2Fcms&text=help", "application/x-www-form-urlencoded",
     {"command": "/cms", "text": "help"}),
    ('{"type": "event_callback"}', "text/plain", {"type": "event_callback"}),  # "{" is JSON
    ('payload=%7B%22type%22%3A%22block_actions%22%7D', "application/x-www-form-urlencoded",
     {"type": "block_actions"}),
    ("text=no+payload+here", "application/x-www-form-urlencoded", {}),  # as Bolt: "payload" in it
])
def test_a_body_is_read_as_bolt_reads_it(text, content_type, body):
    assert slack_body(text, content_type) == body


@pytest.mark.parametrize(("text", "content_type"), [
    ("[1]", "application/json"), ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
    ("payload=notjson", "application/x-www-form-urlencoded"), ("{", "text/plain"),
    ("[" * 100_000, "application/json"),
])
def test_a_body_bolt_could_not_read_is_a_value_error(text, content_type):
    with pytest.raises(ValueError):
        slack_body(text, content_type)
