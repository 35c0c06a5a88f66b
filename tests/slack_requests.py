"""Requests signed the way Slack signs them, for tests that talk to /slack/events."""

import time

from slack_sdk.signature import SignatureVerifier

from tests.conftest import SIGNING_SECRET


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, age: int = 0,
                   content_type: str = "application/x-www-form-urlencoded",
                   retry: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
                   timestamp=timestamp, body=body)}
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return headers
