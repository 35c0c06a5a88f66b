"""Settings read once from the environment; secrets are masked wherever they are shown."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.durations import DurationError, parse_duration
from alerts.freshness import PAGE_WITHIN
from bot.config.home import keep_first, private_dir
from bot.config.map_tiles import DEFAULT_ATTRIBUTION, tile_origin

SAMPLE_SITES = Path(__file__).resolve().parents[1] / "samples" / "sites.yaml"
# Requests of each route class one web process works on at once (handlers.admission); beyond
# that, ingest, API, dashboard and Slack requests are answered 503 at once and Twilio's are
# acted on by a worker. CMSBOT_MAX_IN_FLIGHT overrides any of them.
IN_FLIGHT_DEFAULTS: Mapping[str, int] = MappingProxyType({
    "ingest": 32, "api": 16, "dashboard": 16, "slack": 32, "twilio-sms": 16, "twilio-status": 32,
    "twilio-voice": 16})
MAX_IN_FLIGHT = 10_000
# The local stand-ins' secrets, files under home (see Settings.local_twilio, local_slack_secret).
LOCAL_TWILIO_FILES = ("twilio-account-sid", "twilio-auth-token")
LOCAL_SLACK_FILE = "slack-signing-secret"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable service; the message says what to set."""


class Secret:
    """A string that never shows itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))


@dataclass(frozen=True)
class Settings:
    """Everything the service needs; build with `Settings.from_env(os.environ)`, or directly in tests."""

    home: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    sites_path: Path = SAMPLE_SITES
    api_token: Secret | None = None
    session_secret: Secret | None = None
    public_url: str | None = None
    port: int = 8080
    timezone: str = "America/New_York"
    twilio_account_sid: str | None = None
    twilio_auth_token: Secret | None = None
    twilio_staff_from: str | None = None
    twilio_resident_from: str | None = None
    twilio_voice_from: str | None = None
    twilio_api_url: str | None = None
    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_api_url: str | None = None
    metrics_token: Secret | None = None
    log_format: str = "text"
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024
    retry_backoff: tuple[int, ...] = (2, 5, 15, 30, 60, 120, 300, 600)
    provider_timeout: float = 10.0
    sms_rate_per_second: float = 10.0
    reconcile_seconds: int = 120
    # `cmsbot watchdog`: how often it looks, and how long a staff alert may wait unsent.
    watchdog_seconds: float = 60.0
    watchdog_unsent: float = 120.0
    # How long a webhook may act on an inbound SMS before it answers without the reply and a
    # worker finishes the work (Twilio drops an answer after 15 s).
    reply_budget: float = 5.0
    # How long a request's body may take to arrive after its headers before it is cut with 408:
    # a real client sends its few kilobytes at once, and this plus the reply budget stays well
    # inside Twilio's 15 s.
    body_deadline: float = 5.0
    # Only the classes CMSBOT_MAX_IN_FLIGHT names; see in_flight_limits().
    max_in_flight: Mapping[str, int] = field(default_factory=dict)
    # An incident that occurred longer than this before it arrives pages nobody (stored,
    # routed, not paged; see alerts.freshness).
    page_within: timedelta = PAGE_WITHIN
    # A tile URL template for streets under the dashboard map (bot/config/map_tiles.py); unset,
    # the map is drawn from the app's own data and the browser asks nothing of anyone else.
    map_tiles: str | None = None
    map_tiles_attribution: str = DEFAULT_ATTRIBUTION

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read the environment; raise SettingsError naming what is missing or wrong."""
        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        def secret(name: str) -> Secret | None:
            value = get(name)
            return Secret(value) if value else None

        production = bool(get("DATABASE_URL") or get("REDIS_URL"))
        sites = get("CMSBOT_SITES")
        if production and not sites:
            raise SettingsError("CMSBOT_SITES is not set: with DATABASE_URL or REDIS_URL set, "
                                "cmsbot will not fall back to the sample sites file")
        if production and not get("CMSBOT_API_TOKEN"):
            raise SettingsError("CMSBOT_API_TOKEN is not set: the ingest API needs a token")
        port = get("PORT") or "8080"
        if not (port.isascii() and port.isdecimal()) or len(port) > 5 or not 0 < int(port) < 65536:
            raise SettingsError(f"PORT must be a TCP port number, not {port!r}")
        backoff = get("CMSBOT_RETRY_BACKOFF") or "2,5,15,30,60,120,300,600"
        try:
            retry_backoff = tuple(int(part) for part in backoff.split(","))
        except ValueError:
            raise SettingsError("CMSBOT_RETRY_BACKOFF is a comma-separated list of seconds, "
                                f"not {backoff!r}") from None
        settings = cls(
            home=Path(get("CMSBOT_HOME") or "var"),
            database_url=get("DATABASE_URL"),
            redis_url=get("REDIS_URL"),
            sites_path=Path(sites) if sites else SAMPLE_SITES,
            api_token=secret("CMSBOT_API_TOKEN"),
            session_secret=secret("CMSBOT_SESSION_SECRET"),
            public_url=(get("CMSBOT_PUBLIC_URL") or "").rstrip("/") or None,
            port=int(port),
            timezone=get("CMSBOT_TIMEZONE") or "America/New_York",
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=secret("TWILIO_AUTH_TOKEN"),
            twilio_staff_from=get("TWILIO_STAFF_FROM"),
            twilio_resident_from=get("TWILIO_RESIDENT_FROM"),
            twilio_voice_from=get("TWILIO_VOICE_FROM"),
            twilio_api_url=get("TWILIO_API_URL"),
            slack_bot_token=secret("SLACK_BOT_TOKEN"),
            slack_signing_secret=secret("SLACK_SIGNING_SECRET"),
            slack_api_url=get("SLACK_API_URL"),
            metrics_token=secret("CMSBOT_METRICS_TOKEN"),
            log_format=get("CMSBOT_LOG_FORMAT") or ("json" if production else "text"),
            retry_backoff=retry_backoff,
            log_level=(get("CMSBOT_LOG_LEVEL") or "INFO").upper(),
            provider_timeout=_seconds(get("CMSBOT_PROVIDER_TIMEOUT") or "10",
                                      "CMSBOT_PROVIDER_TIMEOUT"),
            sms_rate_per_second=_rate(get("SMS_RATE_PER_SECOND") or "10"),
            reconcile_seconds=int(_seconds(get("CMSBOT_RECONCILE_SECONDS") or "120",
                                           "CMSBOT_RECONCILE_SECONDS", upper=3600)),
            watchdog_seconds=_seconds(get("CMSBOT_WATCHDOG_SECONDS") or "60",
                                      "CMSBOT_WATCHDOG_SECONDS", upper=3600),
            watchdog_unsent=_seconds(get("CMSBOT_WATCHDOG_UNSENT") or "120",
                                     "CMSBOT_WATCHDOG_UNSENT", upper=3600),
            reply_budget=_seconds(get("CMSBOT_REPLY_BUDGET") or "5", "CMSBOT_REPLY_BUDGET",
                                  upper=10),
            body_deadline=_seconds(get("CMSBOT_BODY_DEADLINE") or "5", "CMSBOT_BODY_DEADLINE",
                                   upper=10),
            max_in_flight=_in_flight(get("CMSBOT_MAX_IN_FLIGHT") or ""),
            page_within=_duration(get("CMSBOT_PAGE_WITHIN") or "12h", "CMSBOT_PAGE_WITHIN"),
            map_tiles=get("CMSBOT_MAP_TILES"),
            map_tiles_attribution=get("CMSBOT_MAP_TILES_ATTRIBUTION") or DEFAULT_ATTRIBUTION,
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse half-configured providers: a partial Twilio setup would silently drop alerts."""
        if self.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("CMSBOT_LOG_LEVEL is one of DEBUG, INFO, WARNING, ERROR")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
            raise SettingsError(f"CMSBOT_TIMEZONE {self.timezone!r} is not a known time zone") from None
        twilio = {"TWILIO_ACCOUNT_SID": self.twilio_account_sid,
                  "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
                  "TWILIO_STAFF_FROM": self.twilio_staff_from}
        if any(twilio.values()) and not all(twilio.values()):
            missing = ", ".join(name for name, value in twilio.items() if not value)
            raise SettingsError(f"Twilio is partly configured: also set {missing}")
        if self.slack_bot_token and not self.slack_signing_secret:
            raise SettingsError("SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not")
        for name, limit in self.max_in_flight.items():
            if name not in IN_FLIGHT_DEFAULTS:
                raise SettingsError(f"CMSBOT_MAX_IN_FLIGHT: {name!r} is not a route class; use "
                                    f"{', '.join(IN_FLIGHT_DEFAULTS)} (operators' routes are "
                                    "never limited)")
            if not 1 <= limit <= MAX_IN_FLIGHT:
                raise SettingsError(f"CMSBOT_MAX_IN_FLIGHT: {name} must be between 1 and "
                                    f"{MAX_IN_FLIGHT}, not {limit}")
        self.map_tiles_origin()

    def map_tiles_origin(self) -> str | None:
        """Where the map's tiles come from (scheme://host[:port]), or None without tiles."""
        if self.map_tiles is None:
            return None
        try:
            return tile_origin(self.map_tiles)
        except ValueError as exc:
            raise SettingsError(f"CMSBOT_MAP_TILES {exc}: {self.map_tiles!r} (a tile URL "
                                "template such as https://tile.openstreetmap.org/{z}/{x}/{y}.png)"
                                ) from None

    @property
    def uses_twilio(self) -> bool:
        """True when SMS go to Twilio; otherwise they go to the local outbox."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_staff_from)

    @property
    def voice_caller_id(self) -> str | None:
        """The number calls come from: TWILIO_VOICE_FROM, else the staff number (a Messaging
        Service sid cannot place a call)."""
        staff = self.twilio_staff_from
        return self.twilio_voice_from or (staff if staff and not staff.startswith("MG") else None)

    @property
    def uses_slack(self) -> bool:
        """True when posts go to Slack; otherwise they go to the local outbox."""
        return self.slack_bot_token is not None

    def in_flight_limits(self) -> dict[str, int]:
        """Each route class's limit of requests in flight: the defaults, as overridden."""
        return {**IN_FLIGHT_DEFAULTS, **self.max_in_flight}

    @property
    def tz(self) -> ZoneInfo:
        """The city's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL for SQLAlchemy's async engine (asyncpg or aiosqlite)."""
        if not self.database_url:
            return f"sqlite+aiosqlite:///{(self.home / 'cmsbot.db').resolve()}"
        url = self.database_url
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix):]
        return url

    def public_base(self) -> str:
        """Where people reach this service: CMSBOT_PUBLIC_URL, or this machine's port."""
        return self.public_url or f"http://localhost:{self.port}"

    def ingest_token(self) -> Secret:
        """The ingest token; with embedded defaults, one generated once and kept under home."""
        return self.api_token or _kept_secret(self.home / "api-token", 24)

    def session_key(self) -> Secret:
        """The key dashboard sessions are signed with: CMSBOT_SESSION_SECRET, or one generated
        once and kept under home (enough for one web process; set the variable for several)."""
        return self.session_secret or _kept_secret(self.home / "session-secret", 32)

    def calendar_key(self) -> bytes:
        """The key calendar links are made with, derived from the session key: a link stays
        the same across restarts and web processes, and every link changes with that key."""
        label = b"cmsbot calendar link\x00"  # never the session key itself
        return hashlib.sha256(label + self.session_key().reveal().encode()).digest()

    def twilio_webhook_auth(self) -> tuple[str | None, Secret]:
        """The account sid and auth token the Twilio webhooks hold requests to: Twilio's when
        configured, else the local stand-in's (None: any well-formed AccountSid)."""
        if self.twilio_auth_token is not None:
            return self.twilio_account_sid, self.twilio_auth_token
        return self.local_twilio()

    def slack_webhook_secret(self) -> Secret:
        """The secret /slack/events checks signatures with: Slack's when configured, else the
        local stand-in's."""
        return self.slack_signing_secret or self.local_slack_secret()

    def local_twilio(self) -> tuple[str, Secret]:
        """The account sid and auth token of the local stand-in for Twilio, generated once and
        kept under home: `cmsbot sms` signs with them, and the SMS webhooks take them when no
        Twilio is configured (only then)."""
        sid_file, token_file = LOCAL_TWILIO_FILES
        account = _kept_secret(self.home / sid_file, 16, _account_sid).reveal()
        return account, _kept_secret(self.home / token_file, 16, secrets.token_hex)

    def local_slack_secret(self) -> Secret:
        """The signing secret of the local stand-in for Slack, generated once and kept under
        home: `cmsbot slack` signs with it, and /slack/events takes it when no Slack is
        configured (only then)."""
        return _kept_secret(self.home / LOCAL_SLACK_FILE, 32, secrets.token_hex)


def _kept_secret(path: Path, size: int,
                 make: Callable[[int], str] = secrets.token_urlsafe) -> Secret:
    """A random secret (`make(size)`) kept in `path`, made on first use, 0600 from its first
    byte; two processes starting together agree on one (see keep_first)."""
    if not path.exists():
        private_dir(path.parent)
        return Secret(keep_first(path, make(size)).strip())
    return Secret(path.read_text().strip())


def _account_sid(size: int) -> str:
    # Of Twilio's form: the webhooks refuse a form whose AccountSid is not (alerts.twilio_fields).
    return "AC" + secrets.token_hex(size)


def _seconds(value: str, name: str, upper: float = 120) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise SettingsError(f"{name} is a number of seconds, not {value!r}") from None
    if not 0 < seconds <= upper:
        raise SettingsError(f"{name} must be between 0 and {upper:g} seconds")
    return seconds


def _duration(value: str, name: str) -> timedelta:
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _in_flight(value: str) -> dict[str, int]:
    """`ingest=32,dashboard=8`: the classes named and their limits (check() judges them)."""
    limits: dict[str, int] = {}
    for part in filter(None, (part.strip() for part in value.split(","))):
        name, equals, number = (piece.strip() for piece in part.partition("="))
        if not equals or not (number.isascii() and number.isdecimal()) or len(number) > 6:
            raise SettingsError("CMSBOT_MAX_IN_FLIGHT is a comma-separated list of class=limit, "
                                f"such as ingest=32,dashboard=8; not {value!r}")
        if name in limits:
            raise SettingsError(f"CMSBOT_MAX_IN_FLIGHT names {name!r} twice")
        limits[name] = int(number)
    return limits


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise SettingsError(f"SMS_RATE_PER_SECOND is a number of segments per second "
                            f"(0 for no limit), not {value!r}") from None
    if rate < 0:
        raise SettingsError("SMS_RATE_PER_SECOND cannot be negative")
    return rate
