"""What `/slack/events` checks before Bolt sees a request: the signature, then the body's shape.

Slack signs `v0:{timestamp}:{body}` with HMAC-SHA256 under the signing secret and sends
`X-Slack-Request-Timestamp` and `X-Slack-Signature: v0=<hex>`; a request more than five minutes
from now is refused as a replay. slack_sdk's `SignatureVerifier` (what Bolt runs) implements the
same scheme, but over text: it decodes the body first and lets a non-numeric timestamp or a
non-ASCII signature raise. This checks the raw bytes, so that any body at all gets an answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

MAX_AGE = 60 * 5  # seconds, as in SignatureVerifier.is_valid
_TIMESTAMP_DIGITS = 12  # beyond any real Unix time; int() of a longer string costs more


def signature_problem(raw: bytes, headers: Mapping[str, str], secret: str,
                      now: float) -> str | None:
    """Why this request is not signed by Slack ("missing", "stale" or "wrong"); None when it is."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return "missing"
    if not (timestamp.isascii() and timestamp.isdecimal()) or len(timestamp) > _TIMESTAMP_DIGITS:
        return "wrong"
    if abs(now - int(timestamp)) > MAX_AGE:
        return "stale"
    signed = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    # As bytes: compare_digest refuses str with non-ASCII characters, which a forger can send.
    if not hmac.compare_digest(expected.encode(), signature.encode(errors="surrogateescape")):
        return "wrong"
    return None


def slack_body(text: str, content_type: str) -> dict[str, Any]:
    """The body as Bolt will read it (a JSON object, a form, or a form whose `payload` is a
    JSON object); ValueError when it is none of these."""
    # The same tests, in the same order, as slack_bolt.request.internals.parse_body.
    if not text:
        return {}
    try:
        if content_type == "application/json" or text.startswith("{"):
            value = json.loads(text)
        elif "payload" in text:
            payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
            value = {} if payload is None else json.loads(payload)
        else:
            value = dict(parse_qsl(text, keep_blank_values=True))
    except RecursionError:  # JSON nested deeper than the parser goes
        raise ValueError("JSON nested too deep") from None
    if not isinstance(value, dict):
        raise ValueError(f"a JSON {type(value).__name__}, not an object")
    return value
