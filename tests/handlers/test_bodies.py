"""Every request body is read within a deadline, before admission and before any handler: a
client trickling one is cut with 408 and holds no slot meanwhile, and a declared body over the
route's limit is refused before a byte of it is read.

(A client that goes away mid-body is tested on a real `cmsbot serve`, in tests/test_slow_bodies:
aiohttp's test server cancels the handler of a lost connection, which `web.run_app` does not.)"""

import asyncio
import json
import logging
from dataclasses import replace

import pytest

from tests.handlers.test_operations import AUTH, BRONX, metrics, value
from tests.polling import eventually
from tests.slow_clients import head_only, trickle

DEADLINE = 0.5  # CMSBOT_BODY_DEADLINE for these tests
MARGIN = 5.0  # how much later than the deadline a cut may come, on a loaded machine
ROUTES = {"/twilio/sms": "/twilio/sms", "/twilio/status": "/twilio/status",
          "/slack/events": "/slack/events", "/api/incidents": "/api/incidents",
          "/api/takedowns/TD-1/cancel": "/api/takedowns/{id}/cancel", "/signin": "/signin",
          "/signout": "/signout", "/nowhere": "(no route)"}


@pytest.fixture
def live_settings(live_settings):
    """A short body deadline, and room for one incident at a time."""
    return replace(live_settings, body_deadline=DEADLINE, max_in_flight={"ingest": 1})


def loud(caplog):
    """The log records at WARNING and above, as (logger, level, message, traceback?)."""
    return [(r.name, r.levelname, r.getMessage(), r.exc_info is not None)
            for r in caplog.records if r.levelno >= logging.WARNING]


async def gauge(client, name, **labels):
    families, _ = await metrics(client)
    return value(families, name, **labels)


@pytest.mark.parametrize("path", ROUTES)
async def test_a_body_still_arriving_at_the_deadline_is_cut_with_408(client, port, path, caplog):
    answer = await trickle(port, path, within=DEADLINE + MARGIN)
    assert answer.status == 408 and "Connection: close" in answer.head
    assert loud(caplog) == [("handlers.bodies", "WARNING", f"refused a POST {ROUTES[path]} body "
                             f"from 127.0.0.1: the body was not all sent within {DEADLINE:g} s",
                             False)]
    assert await gauge(client, "cmsbot_refused_bodies_total", reason="too_slow") == 1
    assert (await client.get("/healthz")).status == 200


async def test_a_slow_body_holds_no_admission_slot(client, port):
    slow = asyncio.ensure_future(trickle(port, "/api/incidents", within=DEADLINE + MARGIN))
    await eventually(lambda: gauge(client, "cmsbot_reading_bodies"), "the slow body to be read",
                     until=lambda n: n == 1, within=MARGIN)
    assert await gauge(client, "cmsbot_in_flight_requests", **{"class": "ingest"}) == 0
    # The only ingest slot is free: a shooting posted meanwhile is taken at once.
    posted = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    assert posted.status == 202
    assert (await slow).status == 408
    assert await gauge(client, "cmsbot_reading_bodies") == 0


@pytest.mark.parametrize(("path", "declared"), [
    ("/twilio/sms", 40_000), ("/twilio/status", 40_000), ("/slack/events", 300_000),
    ("/api/incidents", 300_000), ("/signin", 300_000)])
async def test_a_declared_body_over_the_limit_is_refused_before_a_byte_is_sent(client, port, path,
                                                                              declared, caplog):
    # No body byte is ever sent: a server that waited for one would answer 408, or never.
    answer = await head_only(port, path, declared, within=DEADLINE + MARGIN)
    assert answer.status == 413
    assert [(name, level) for name, level, _, _ in loud(caplog)] == [("handlers.bodies", "WARNING")]


async def test_a_chunked_body_sent_in_time_is_read_whole(client):
    async def parts():
        text = json.dumps(BRONX).encode()
        yield text[:10]
        yield text[10:]

    response = await client.post("/api/incidents", data=parts(),
                                 headers={**AUTH, "Content-Type": "application/json"})
    assert response.status == 202 and (await response.json())["teams"] == ["brag-mott-haven"]


async def test_a_chunked_body_over_the_limit_is_refused(client):
    async def parts():
        for _ in range(300):
            yield b"x" * 1024

    response = await client.post("/slack/events", data=parts(),
                                 headers={"Content-Type": "application/json"})
    assert response.status == 413 and "larger than" in (await response.json())["error"]


async def test_a_multipart_body_is_refused(client):
    response = await client.post("/signin", data=b"--b\r\n\r\n--b--\r\n",
                                 headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status == 415
