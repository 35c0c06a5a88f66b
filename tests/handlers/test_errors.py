"""Errors as callers and operators see them, through the real HTTP stack.

A database or Redis that cannot be reached is a 503 with Retry-After and one log line; a bug (a
missing table, a bad statement) is a 500 with an id, and the log has that id with the traceback,
phone numbers redacted. A bug never passes for an outage.
"""

import asyncio
import json
import logging
import secrets
import socket
import sqlite3
import uuid
from dataclasses import replace

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from bot.config.logs import JsonFormatter, TextFormatter
from bot.config.settings import Settings
from bot.main.app import create_app
from bot.store.engine import open_engine
from bot.store.migrate import upgrade
from tests.clock import minutes_ago
from tests.conftest import API_TOKEN, STAFF_FROM
from tests.faults.proxy import Proxy

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BRONX = {"id": "NYPD-1", "occurred_at": minutes_ago(5), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1}
LUIS = "+13475550140"  # on the roster: his text reaches the database with his number in it
UNAVAILABLE = {"error": "temporarily unavailable; retry shortly"}


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def logged(caplog):
    """What the error middleware logged."""
    return [record for record in caplog.records if record.name == "handlers.errors"]


def assert_one_line_without_traceback(caplog, service):
    records = logged(caplog)
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    assert records[0].exc_info is None and "Traceback" not in records[0].getMessage()
    assert f"{service} is unreachable" in records[0].getMessage()


@pytest.fixture
def errors_log(caplog):
    caplog.set_level(logging.INFO, logger="handlers.errors")
    return caplog


# Outages: 503 --------------------------------------------------------------------------------

async def test_an_unreachable_redis_is_a_503_with_retry_after(aiohttp_client, settings, errors_log):
    down = replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = await aiohttp_client(create_app(down))
    link = secrets.token_urlsafe(32)  # as `/cms dashboard` makes them; they live in Redis
    response = await client.get(f"/signin/{link}")
    assert response.status == 503 and response.headers["Retry-After"] == "5"
    assert await response.json() == UNAVAILABLE
    assert_one_line_without_traceback(errors_log, "Redis")


@pytest.fixture(params=["postgresql-closed-port", "sqlite-cannot-open"])
def unreachable_database(request, settings) -> Settings:
    if request.param == "postgresql-closed-port":
        postgres = make_url(request.getfixturevalue("postgres_url"))
        return replace(settings, database_url=postgres.set(port=closed_port()).render_as_string(
            hide_password=False))
    database = settings.home / "cmsbot.db"
    database.unlink()
    database.mkdir()  # SQLite: "unable to open database file", as on a vanished volume
    return settings


async def test_an_unreachable_database_is_a_503_with_retry_after(
        aiohttp_client, unreachable_database, errors_log):
    client = await aiohttp_client(create_app(unreachable_database))
    response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    assert response.status == 503 and response.headers["Retry-After"] == "5"
    assert await response.json() == UNAVAILABLE
    assert_one_line_without_traceback(errors_log, "the database")


async def test_a_database_cut_is_a_503_and_the_same_post_succeeds_once_it_is_back(
        aiohttp_client, settings, postgres_url, errors_log):
    target = make_url(postgres_url)
    proxy = Proxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    try:
        via_proxy = target.set(host="127.0.0.1", port=proxy.port)
        client = await aiohttp_client(create_app(replace(
            settings, database_url=via_proxy.render_as_string(hide_password=False))))
        assert (await client.get("/readyz")).status == 200  # the pool holds a connection
        await proxy.cut()
        response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
        assert response.status == 503 and response.headers["Retry-After"] == "5"
        assert await response.json() == UNAVAILABLE
        assert_one_line_without_traceback(errors_log, "the database")
        await proxy.start()
        again = await client.post("/api/incidents", json=BRONX, headers=AUTH)
        assert again.status == 202 and (await again.json())["duplicate"] is False
    finally:
        await proxy.cut()


# Bugs: 500 -----------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def missing_table(request, live_settings):
    """The live service on a database that lacks the inbound SMS table (a migration gone wrong)."""
    if request.param == "sqlite":
        with sqlite3.connect(live_settings.home / "cmsbot.db") as conn:
            conn.execute("DROP TABLE inbound_messages")
        yield live_settings
        return
    # A database of its own: the run's PostgreSQL database keeps all its tables.
    run_database = make_url(request.getfixturevalue("postgres_url"))
    url = run_database.set(database=f"cmsbot_test_broken_{uuid.uuid4().hex[:8]}")
    asyncio.run(_create_without_inbound_messages(run_database, url))
    try:
        yield replace(live_settings, database_url=url.render_as_string(hide_password=False))
    finally:
        asyncio.run(_execute(run_database, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))


async def _create_without_inbound_messages(server: URL, url: URL) -> None:
    await _execute(server, f'CREATE DATABASE "{url.database}"')
    engine = open_engine(Settings(database_url=url.render_as_string(hide_password=False))
                         .sqlalchemy_url, pooled=False)
    await upgrade(engine)
    await engine.dispose()
    await _execute(url, "DROP TABLE inbound_messages")


async def _execute(database: URL, statement: str) -> None:
    conn = await asyncpg.connect(database.set(drivername="postgresql").render_as_string(
        hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def test_a_bug_is_a_500_whose_id_finds_the_traceback_in_the_log_with_phones_redacted(
        aiohttp_client, missing_table, twilio, port, clock, errors_log):
    await aiohttp_client(create_app(missing_table, clock=clock), server_kwargs={"port": port})
    status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", LUIS,
                                               STAFF_FROM, "STATUS")
    assert status == 500
    body = json.loads(answer)
    assert body == {"error": "internal error", "id": body["id"]} and body["id"]
    records = logged(errors_log)
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    message = records[0].getMessage()
    assert body["id"] in message and "unreachable" not in message
    # The traceback, down to the statement that failed and the values it was given...
    assert "Traceback (most recent call last)" in message and "inbound_messages" in message
    assert "[parameters:" in message and "STATUS" in message
    # ...with the sender's number redacted wherever the line goes.
    assert "***0140" in message
    for line in (message, TextFormatter().format(records[0]), JsonFormatter().format(records[0])):
        assert LUIS not in line and LUIS[2:] not in line
