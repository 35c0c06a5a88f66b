"""The opaque cursor of a listing: the last (occurred_at, id) shown, signed so it cannot be forged.

Keyset pagination, not offsets: a page starts strictly after the position the cursor holds, so
incidents arriving while someone pages through never shift what they see twice or skip. The
signature turns a tampered or cut cursor into a clear refusal rather than a silently wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime

Position = tuple[datetime, str]
_SIGNATURE_BYTES = 16


class CursorError(ValueError):
    """A cursor this server did not give out, or one damaged on the way back."""


def cursor_key(secret: str) -> bytes:
    """The signing key for cursors, derived from a server secret (never the secret itself)."""
    return hashlib.sha256(b"cmsbot incident cursor\x00" + secret.encode()).digest()


def encode_cursor(position: Position, key: bytes) -> str:
    """The cursor for a listing that goes on after `position`."""
    moment, incident_id = position
    payload = json.dumps([moment.isoformat(), incident_id], separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_sign(payload, key))}"


def decode_cursor(cursor: str, key: bytes) -> Position:
    """The position a cursor holds; CursorError if it is not one `encode_cursor` made with `key`."""
    body, dot, signature = cursor.partition(".")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except (ValueError, binascii.Error):
        raise CursorError("is not a cursor this server gave out") from None
    if not dot or not hmac.compare_digest(given, _sign(payload, key)):
        raise CursorError("is not a cursor this server gave out (changed, cut short, or from "
                          "before the API token changed): start again without it")
    moment, incident_id = json.loads(payload)  # signed by us: the shape is ours
    return datetime.fromisoformat(moment), str(incident_id)


def _sign(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
