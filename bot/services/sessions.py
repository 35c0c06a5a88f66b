"""Dashboard sign-in without passwords: one-time links from `/cms dashboard`, and the signed
session cookie they turn into.

A link is a random token that Redis keeps (hashed) for ten minutes and gives up once: opening it
shows a Sign in button, and only that button's POST redeems it, so Slack's link previews and
mail scanners that fetch the URL cannot use it up. The session cookie holds the Slack user id
and an expiry, signed with HMAC-SHA256; who that user may see is read from the sites file on
every request, so someone taken off the roster loses access at once. The CSRF token is an HMAC
of the session id: a page carries it, and a state-changing request must send it back.

A signature alone cannot be taken back, so each session is also kept live in Redis (`LiveSessions`)
until it expires or its owner signs out: a copied cookie stops working at sign-out. Redis losing
the record (a flush) signs everyone out, which is the safe way to fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis

from bot.config.settings import Secret

COOKIE = "cmsbot_session"
LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
_LINK_KEY = "cmsbot:signin:"
_SESSION_KEY = "cmsbot:session:"


@dataclass(frozen=True)
class Session:
    """A signed-in dashboard user: their Slack user id, until when, and the session's id."""

    user: str
    expires: datetime
    sid: str


class SessionSigner:
    """Issues and reads session cookies signed with the session key."""

    def __init__(self, key: Secret) -> None:
        self._key = hashlib.sha256(b"cmsbot-session|" + key.reveal().encode()).digest()

    def __repr__(self) -> str:
        return "SessionSigner(key=**********)"

    def issue(self, user: str, now: datetime) -> tuple[str, Session]:
        """A new session for `user`, and its cookie value."""
        session = Session(user, now + SESSION_TTL, secrets.token_urlsafe(16))
        payload = _b64(json.dumps({"u": user, "e": int(session.expires.timestamp()),
                                   "s": session.sid}, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", session

    def read(self, value: str | None, now: datetime) -> Session | None:
        """The session a cookie value carries; None if absent, forged, malformed or expired."""
        if not value or value.count(".") != 1 or len(value) > 1024:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            user, expires, sid = str(data["u"]), int(data["e"]), str(data["s"])
        except (ValueError, KeyError, TypeError):
            return None
        if expires <= now.timestamp():
            return None
        return Session(user, datetime.fromtimestamp(expires, now.tzinfo), sid)

    def csrf_token(self, session: Session) -> str:
        """The token a page of this session sends back with every state-changing request."""
        return self._sign("csrf|" + session.sid)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        """Whether `token` is this session's CSRF token (compared in constant time)."""
        return bool(token) and hmac.compare_digest(token or "", self.csrf_token(session))

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode(), hashlib.sha256).digest())


class SigninLinks:
    """One-time sign-in tokens in Redis. Blocking (redis-py): call through `asyncio.to_thread`.

    Redis forgets a token after ten minutes; the issue time is kept with it as well, so the
    ten minutes are also checked against the service's clock.
    """

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection

    def create(self, user: str, now: datetime) -> str:
        """A fresh token for `user`, valid for ten minutes and for one sign-in."""
        token = secrets.token_urlsafe(32)
        self.connection.set(_LINK_KEY + _digest(token), f"{int(now.timestamp())}|{user}",
                            ex=LINK_TTL)
        return token

    def peek(self, token: str, now: datetime) -> str | None:
        """Whose token this is, without using it up (the page that shows the Sign in button)."""
        if not _plausible(token):
            return None
        return _valid_user(self.connection.get(_LINK_KEY + _digest(token)), now)

    def redeem(self, token: str, now: datetime) -> str | None:
        """Use the token up (atomically: two clicks sign in once); whose it was, or None."""
        if not _plausible(token):
            return None
        return _valid_user(self.connection.getdel(_LINK_KEY + _digest(token)), now)


class LiveSessions:
    """Sessions not yet ended, in Redis. Blocking (redis-py): call through `asyncio.to_thread`."""

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection

    def start(self, session: Session) -> None:
        """Record a session just issued (Redis forgets it when the cookie would expire anyway)."""
        self.connection.set(_SESSION_KEY + _digest(session.sid), session.user, ex=SESSION_TTL)

    def alive(self, session: Session) -> bool:
        """Whether the session was started here and not ended since."""
        return bool(self.connection.exists(_SESSION_KEY + _digest(session.sid)))

    def end(self, session: Session) -> None:
        """Sign-out: the cookie, wherever a copy of it is, opens nothing any more."""
        self.connection.delete(_SESSION_KEY + _digest(session.sid))


def _valid_user(stored: object, now: datetime) -> str | None:
    if not isinstance(stored, bytes):
        return None
    issued, _, user = stored.decode().partition("|")
    if not issued.isdecimal() or now.timestamp() - int(issued) > LINK_TTL.total_seconds():
        return None
    return user or None


def _plausible(token: str) -> bool:
    return 20 <= len(token) <= 100 and token.isascii()


def _digest(token: str) -> str:
    # Only a hash is stored: reading Redis does not hand out sign-in links.
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
