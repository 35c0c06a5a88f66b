"""Bounded, visible queues: past its in-flight limit a route class is answered 503 at once
(Twilio never: its handlers defer instead), operators' routes always answer, and /metrics and
/readyz show the overload until it has passed."""

import asyncio
import json
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import web

from alerts.load import LAG_LIMIT, WINDOW
from bot.config.settings import IN_FLIGHT_DEFAULTS
from bot.main.app import create_app
from handlers import keys
from handlers.admission import SHEDDING, route_class
from tests.conftest import STAFF_FROM
from tests.handlers.test_operations import AUTH, BRONX, BROOKLYN, LUIS, metrics, value
from tests.polling import eventually

JSON, FORM = {"Content-Type": "application/json"}, {"Content-Type": "application/x-www-form-urlencoded"}
# Per class: a request to hold in flight, what it is answered once it is let go on, and a
# request of another class that must be served meanwhile.
CASES = {
    "ingest": ("/api/incidents", json.dumps(BRONX).encode(), {**AUTH, **JSON}, 202, "/signin"),
    "api": ("/api/takedowns", b"{}", {**AUTH, **JSON}, 400, "/signin"),
    "dashboard": ("/signin", b"token=used-up", FORM, 400, "/api/roster"),
    "slack": ("/slack/events", b"command=%2Fcms&text=help", FORM, 401, "/signin"),  # unsigned
}
QUIET = timedelta(seconds=1) + WINDOW


@pytest.fixture
def live_settings(live_settings):
    """The live service with room for one request of each class."""
    return replace(live_settings, max_in_flight=dict.fromkeys(IN_FLIGHT_DEFAULTS, 1))


HOLDS = web.AppKey("holds", dict[str, asyncio.Event])
HOLD = "X-Test-Hold"


@web.middleware
async def held_until_released(request, handler):
    """Innermost: a request naming a hold waits for it, its body read and its slot taken, as
    one waiting on a slow database would. (A slow body no longer holds a slot: handlers.bodies
    reads bodies before admission.)"""
    if HOLD in request.headers:
        await request.app[HOLDS][request.headers[HOLD]].wait()
    return await handler(request)


@pytest.fixture
async def client(aiohttp_client, live_settings, port, clock, sample_sites):
    """The app over real HTTP, with requests that the test can hold in their handler."""
    app = create_app(live_settings, sites=sample_sites, clock=clock)
    app.middlewares.append(held_until_released)
    app[HOLDS] = {}
    return await aiohttp_client(app, server_kwargs={"port": port})


class Held:
    """A POST held in its handler, with its class's slot, until `finish()` lets it go on."""

    def __init__(self, client, path, body, headers):
        self.release = asyncio.Event()
        name = f"hold-{len(client.app[HOLDS])}"
        client.app[HOLDS][name] = self.release
        self.task = asyncio.get_running_loop().create_task(
            client.post(path, data=body, headers={**headers, HOLD: name}))

    async def finish(self):
        """Let it go on; the response."""
        self.release.set()
        return await self.task


async def in_flight(client, name):
    families, _ = await metrics(client)
    return value(families, "cmsbot_in_flight_requests", **{"class": name})


async def hold(client, name, path, body, headers):
    """A held request of class `name`, once the app counts it in flight."""
    held = Held(client, path, body, headers)
    await eventually(lambda: in_flight(client, name), f"the held {name} request to be admitted",
                     until=lambda n: n == 1, within=10)
    return held


async def readyz(client):
    response = await client.get("/readyz")
    return response.status, response.headers.get("Retry-After"), await response.json()


OVERLOADED = {"status": "unavailable", "checks": {"redis": "ok", "database": "ok",
                                                  "load": "overloaded"}}
READY = {"status": "ready", "checks": {"redis": "ok", "database": "ok", "load": "ok"}}


@pytest.mark.parametrize("name", SHEDDING)
async def test_a_full_class_is_answered_503_at_once_while_the_others_are_served(client, clock, name):
    path, body, headers, answered, other = CASES[name]
    held = await hold(client, name, path, body, headers)

    refused = await client.post(path, data=body, headers=headers)
    assert refused.status == 503 and refused.headers["Retry-After"] == "2"
    assert await refused.json() == {"error": "overloaded; retry shortly"}
    assert not held.task.done()  # refused while the first still waits: nothing queued behind it
    assert (await client.get(other, headers=AUTH)).status == 200
    assert (await client.get("/healthz")).status == 200
    families, _ = await metrics(client)
    assert value(families, "cmsbot_in_flight_requests", **{"class": name}) == 1
    assert {s.labels["class"]: s.value for s in families["cmsbot_shed_requests"].samples} == {
        c: float(c == name) for c in SHEDDING}
    assert await readyz(client) == (503, "5", OVERLOADED)

    assert (await held.finish()).status == answered
    assert await in_flight(client, name) == 0
    assert (await readyz(client))[2] == OVERLOADED  # a shed request is recent for a while
    clock.advance(QUIET)
    assert await readyz(client) == (200, None, READY)


async def test_an_incident_refused_for_want_of_room_is_not_stored_and_can_be_posted_again(client):
    held = await hold(client, "ingest", "/api/incidents", json.dumps(BRONX).encode(),
                      {**AUTH, **JSON})
    assert (await client.post("/api/incidents", json=BROOKLYN, headers=AUTH)).status == 503
    assert (await client.get("/api/incidents/NYPD-2", headers=AUTH)).status == 404
    assert (await held.finish()).status == 202
    assert (await client.get("/api/incidents/NYPD-1", headers=AUTH)).status == 200
    posted = await client.post("/api/incidents", json=BROOKLYN, headers=AUTH)
    assert posted.status == 202 and (await posted.json())["duplicate"] is False


async def test_twilio_is_never_refused_and_its_handlers_take_inline_slots(client, twilio, port):
    admission = client.app[keys.ADMISSION]
    async with admission.inline("twilio-sms") as first:
        async with admission.inline("twilio-sms") as second:
            assert first is True and second is False  # full: the handler defers, it never waits
        assert await in_flight(client, "twilio-sms") == 1
        # The class is full: the webhook is answered all the same, at once, without the reply,
        # and a worker will act on the message and answer it by SMS.
        status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", LUIS,
                                                   STAFF_FROM, "HELP")
        assert status == 200 and "<Message>" not in answer
    families, _ = await metrics(client)
    assert value(families, "cmsbot_in_flight_requests", **{"class": "twilio-sms"}) == 0
    assert value(families, "cmsbot_deferred_total", kind="sms") == 1
    assert value(families, "cmsbot_deferred_total", kind="status") == 0
    assert "twilio-sms" not in {s.labels["class"] for s in families["cmsbot_shed_requests"].samples}
    assert await readyz(client) == (200, None, READY)  # deferring is not shedding
    async with admission.inline("twilio-sms") as again:
        assert again is True  # the slot came back
    with pytest.raises(ValueError, match="middleware"):
        async with admission.inline("ingest"):
            pass
    with pytest.raises(ValueError, match="kind"):
        admission.deferred("reply")


async def test_a_blocked_event_loop_shows_as_lag_and_as_overload_until_it_has_passed(client, clock):
    families, _ = await metrics(client)
    assert value(families, "cmsbot_event_loop_lag_seconds") < LAG_LIMIT
    # Holds the loop on purpose, as blocking code in a handler would: the thing measured.
    asyncio.get_running_loop().call_soon(time.sleep, 1.2)
    assert await readyz(client) == (503, "5", OVERLOADED)
    families, _ = await metrics(client)
    assert value(families, "cmsbot_event_loop_lag_seconds") > LAG_LIMIT
    assert (await client.get("/healthz")).status == 200  # alive: take it out of rotation only
    clock.advance(QUIET)
    assert await readyz(client) == (200, None, READY)
    families, _ = await metrics(client)
    assert value(families, "cmsbot_event_loop_lag_seconds") < LAG_LIMIT


@pytest.mark.parametrize(("method", "canonical", "expected"), [
    ("POST", "/api/incidents", "ingest"), ("GET", "/api/incidents", "api"),
    ("GET", "/api/incidents/{id}", "api"), ("POST", "/api/takedowns/{id}/cancel", "api"),
    ("GET", "/api/roster", "api"), ("GET", "/", "dashboard"), ("GET", "/reports", "dashboard"),
    ("GET", "/signin", "dashboard"), ("GET", "/signin/{token}", "dashboard"),
    ("POST", "/signout", "dashboard"), ("GET", "/dashboard/api/map", "dashboard"),
    ("GET", "/static", "dashboard"), ("POST", "/slack/events", "slack"),
    ("POST", "/twilio/sms", "twilio-sms"), ("POST", "/twilio/status", "twilio-status"),
    ("GET", "/healthz", "operators"), ("GET", "/readyz", "operators"),
    ("GET", "/metrics", "operators"), ("GET", "/openapi.json", "operators"),
    ("GET", "", None), ("GET", "/apiary", None), ("POST", "/twilio/smsx", None),
])
def test_route_classes_follow_the_canonical_path(method, canonical, expected):
    assert route_class(method, canonical) == expected


def test_every_route_of_the_app_has_a_class(settings, sample_sites):
    app = create_app(settings, sites=sample_sites)
    unclassed = [f"{route.method} {route.resource.canonical}" for route in app.router.routes()
                 if route.resource is not None
                 and route_class(route.method, route.resource.canonical) is None]
    assert unclassed == []
