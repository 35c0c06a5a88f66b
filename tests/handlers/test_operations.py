"""What operators see: /readyz says whether Redis and the database answer, /metrics shows in
Prometheus text what a 2 a.m. page needs (deliveries, queues, time to acknowledge, escalations,
webhook latency), and neither shows a phone number, a name or a connection string."""

import asyncio
import contextlib
import socket
import time
from dataclasses import replace
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from alerts.sites import Sites
from bot.config.logs import redact_phones
from bot.config.settings import Secret
from bot.main.app import create_app
from bot.ops.readiness import TIMEOUT
from tests.clock import from_start
from tests.conftest import API_TOKEN, STAFF_FROM
from tests.faults.proxy import Proxy

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1}
BROOKLYN = {"id": "NYPD-2", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.6712,
            "lon": -73.9002, "precinct": 75, "location": "PITKIN AVE & ROCKAWAY AVE",
            "victims": 1, "hospital": "Brookdale"}
LUIS = "+13475550140"  # brag-mott-haven's interrupter, paged for BRONX as #1
PASSWORD = "pg-password-never-shown"


@pytest.fixture
def live_settings(live_settings, any_settings):
    """The live service (conftest) on SQLite and on PostgreSQL in turn: the metrics' SQL differs."""
    return replace(live_settings, database_url=any_settings.database_url)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def silent_server():
    """A TCP server that accepts connections and never says a word: a hung dependency."""
    held = []

    async def hold(reader, writer):
        held.append(writer)
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


def through_port(url: str, port: int, password: str | None = None) -> str:
    """The same database URL, reached on another local port (and with a password, if given)."""
    moved = make_url(url).set(host="127.0.0.1", port=port)
    if password:
        moved = moved.set(password=password)
    return moved.render_as_string(hide_password=False)


async def metrics(client, headers=None):
    """Scrape /metrics; parse it as Prometheus does; return ({family: samples}, raw text)."""
    response = await client.get("/metrics", headers=headers or {})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = await response.text()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    for family in families.values():
        assert f"# HELP {family.name}" in text and family.type in ("gauge", "counter", "histogram")
        if family.type == "histogram":
            assert_a_valid_histogram(family.samples)
    return families, text


def assert_a_valid_histogram(samples):
    series = {}
    for sample in samples:
        labels = {k: v for k, v in sample.labels.items() if k != "le"}
        series.setdefault(tuple(sorted(labels.items())), []).append(sample)
    for found in series.values():
        buckets = [s.value for s in found if s.name.endswith("_bucket")]
        count = next(s.value for s in found if s.name.endswith("_count"))
        assert buckets == sorted(buckets) and buckets[-1] == count  # cumulative, +Inf last
        assert found[len(buckets) - 1].labels["le"] == "+Inf"


def value(families, sample_name, **labels):
    """One sample's value (0 when the series is absent: Prometheus's own reading of absence)."""
    family_name = sample_name.removesuffix("_total").removesuffix("_bucket") \
        .removesuffix("_count").removesuffix("_sum")
    for sample in families[family_name].samples:
        if sample.name == sample_name and sample.labels == labels:
            return sample.value
    return 0


def total(families, family_name, **match):
    """The sum of a family's samples whose labels include `match`."""
    return sum(s.value for s in families[family_name].samples
               if all(s.labels.get(k) == v for k, v in match.items()))


async def sms(twilio, port, sender, body):
    status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", sender,
                                               STAFF_FROM, body)
    assert status == 200
    return [m.text for m in ElementTree.fromstring(answer).iter("Message")]  # noqa: S314


# Readiness -----------------------------------------------------------------------------------

async def test_ready_when_redis_and_the_database_answer(aiohttp_client, any_settings):
    client = await aiohttp_client(create_app(any_settings))
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ready",
                                     "checks": {"redis": "ok", "database": "ok", "load": "ok"}}


async def test_not_ready_when_redis_is_unreachable(aiohttp_client, settings):
    down = replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = await aiohttp_client(create_app(down))
    response = await client.get("/readyz")
    assert response.status == 503 and response.headers["Retry-After"]
    assert await response.json() == {"status": "unavailable",
                                     "checks": {"redis": "unreachable", "database": "ok", "load": "ok"}}
    assert (await client.get("/healthz")).status == 200  # alive all the same: do not restart it


async def test_not_ready_when_the_database_is_cut_and_ready_again_when_it_is_back(
        aiohttp_client, settings, postgres_url):
    target = make_url(postgres_url)
    proxy = Proxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    try:
        url = through_port(postgres_url, proxy.port, PASSWORD)
        client = await aiohttp_client(create_app(replace(settings, database_url=url)))
        assert (await client.get("/readyz")).status == 200
        await proxy.cut()
        response = await client.get("/readyz")
        assert response.status == 503 and response.headers["Retry-After"]
        body = await response.text()
        assert await response.json() == {"status": "unavailable",
                                         "checks": {"redis": "ok", "database": "unreachable", "load": "ok"}}
        assert PASSWORD not in body and str(proxy.port) not in body and "postgres" not in body
        await proxy.start()  # the same port again: the pool reconnects on the next check
        assert (await client.get("/readyz")).status == 200
    finally:
        await proxy.cut()


async def test_a_hung_redis_and_database_fail_the_check_within_its_timeout(aiohttp_client,
                                                                            settings):
    async with silent_server() as redis_port, silent_server() as database_port:
        hung = replace(settings, redis_url=f"redis://127.0.0.1:{redis_port}/0",
                       database_url=f"postgresql://cms@127.0.0.1:{database_port}/cms")
        client = await aiohttp_client(create_app(hung))
        started = time.monotonic()
        response = await client.get("/readyz")
        assert time.monotonic() - started < TIMEOUT + 1.5  # both checks ran side by side
        assert response.status == 503
        assert (await response.json())["checks"] == {"redis": "timeout", "database": "timeout",
                                                     "load": "ok"}


# Metrics -------------------------------------------------------------------------------------

async def test_metrics_show_deliveries_queues_acknowledgements_and_escalations(
        client, work, twilio, port, clock, sample_sites):
    for incident in (BRONX, BROOKLYN):
        assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    assert (await client.post("/api/incidents", json=BRONX)).status == 401
    families, _ = await metrics(client)
    assert value(families, "cmsbot_queue_depth", queue="live") > 0  # the alerts wait for a worker
    assert value(families, "cmsbot_open_incidents", kind="shooting") == 2
    assert value(families, "cmsbot_unacknowledged_incidents", kind="shooting") == 2
    clock.advance(timedelta(seconds=20))  # and still no worker
    families, _ = await metrics(client)
    assert value(families, "cmsbot_oldest_unsent_delivery_age_seconds", channel="sms",
                 kind="alert") == 20

    await work()
    families, _ = await metrics(client)
    # Each paged person one SMS, each team channel one post: BRONX pages 2 in one team,
    # BROOKLYN 4 in two (with the hospital responder for Brookdale).
    assert value(families, "cmsbot_deliveries", channel="sms", status="sent", kind="alert") == 6
    assert value(families, "cmsbot_deliveries", channel="slack", status="sent", kind="alert") == 3
    assert total(families, "cmsbot_deliveries") == await shown_deliveries(client)
    assert families["cmsbot_oldest_unsent_delivery_age_seconds"].samples == []
    assert all(value(families, "cmsbot_queue_depth", queue=q) == 0
               for q in ("live", "alerts", "replies", "default", "bulk"))
    assert total(families, "cmsbot_scheduled_jobs") == len(clock.scheduled()) > 0
    assert value(families, "cmsbot_time_to_ack_seconds_count") == 0

    clock.advance(timedelta(seconds=25))  # 45 s after the shooting arrived
    assert (await sms(twilio, port, LUIS, "1A"))[0].startswith("CMS: #1 acknowledged")
    families, _ = await metrics(client)
    assert value(families, "cmsbot_time_to_ack_seconds_count") == 1
    assert value(families, "cmsbot_time_to_ack_seconds_sum") == pytest.approx(45, abs=0.01)
    assert value(families, "cmsbot_time_to_ack_seconds_bucket", le="30") == 0
    assert value(families, "cmsbot_time_to_ack_seconds_bucket", le="60") == 1
    assert value(families, "cmsbot_time_to_ack_seconds_bucket", le="+Inf") == 1
    assert value(families, "cmsbot_unacknowledged_incidents", kind="shooting") == 1
    assert value(families, "cmsbot_open_incidents", kind="shooting") == 2

    # Nobody answers in Brooklyn: ten minutes on, both teams' supervisors are told.
    clock.advance(timedelta(minutes=10, seconds=1))
    await work()
    families, _ = await metrics(client)
    escalated = [e for e in (await shown(client, "NYPD-2"))["timeline"]
                 if e["action"].startswith("escalated to")]
    assert value(families, "cmsbot_escalations_total", chain="alert") == len(escalated) == 2
    assert value(families, "cmsbot_escalations_total", chain="followup") == 0
    assert value(families, "cmsbot_time_to_ack_seconds_count") == 1  # an escalation is no ack


async def test_webhook_latency_is_measured_per_route_and_status_class(client, twilio, port):
    families, _ = await metrics(client)
    assert families["cmsbot_webhook_seconds"].samples == []
    await sms(twilio, port, LUIS, "STATUS")
    assert (await client.post("/api/incidents", json=BRONX, headers=AUTH)).status == 202
    assert (await client.post("/api/incidents", json=BRONX)).status == 401
    await client.get("/api/incidents/NYPD-1", headers=AUTH)  # not a webhook: not measured
    families, _ = await metrics(client)
    assert value(families, "cmsbot_webhook_seconds_count", route="/twilio/sms", code="2xx") == 1
    assert value(families, "cmsbot_webhook_seconds_count", route="/api/incidents", code="2xx") == 1
    assert value(families, "cmsbot_webhook_seconds_count", route="/api/incidents", code="4xx") == 1
    assert {s.labels["route"] for s in families["cmsbot_webhook_seconds"].samples} == {
        "/twilio/sms", "/api/incidents"}
    assert 0 < value(families, "cmsbot_webhook_seconds_sum", route="/twilio/sms", code="2xx") < 3
    assert value(families, "cmsbot_webhook_seconds_bucket", route="/twilio/sms", code="2xx",
                 le="3") == 1  # within Slack's budget, let alone Twilio's


async def test_metrics_count_what_people_did_but_name_nobody(client, work, twilio, port, sample_sites):
    for incident in (BRONX, BROOKLYN):
        await client.post("/api/incidents", json=incident, headers=AUTH)
    await work()
    await sms(twilio, port, LUIS, "1N talking to the family")
    await sms(twilio, port, LUIS, "NEED 1 crowd gathering outside the family's building")
    families, text = await metrics(client)
    assert value(families, "cmsbot_support_requests_total") == 1
    assert redact_phones(text) == text
    for person in people(sample_sites.sites):
        assert person not in text
    assert "WILLIS" not in text and "PITKIN" not in text and "family" not in text


async def test_with_the_database_down_metrics_still_answer_with_redis_and_say_so(
        aiohttp_client, settings):
    down = replace(settings, database_url=f"postgresql://cms:{PASSWORD}@127.0.0.1:{closed_port()}/x")
    client = await aiohttp_client(create_app(down))
    families, text = await metrics(client)
    assert value(families, "cmsbot_scrape_error", source="database") == 1
    assert value(families, "cmsbot_scrape_error", source="redis") == 0
    assert "cmsbot_deliveries" not in families and "cmsbot_queue_depth" in families
    assert value(families, "cmsbot_build_info", version="0.1.0") == 1
    assert PASSWORD not in text


async def test_with_redis_down_metrics_still_answer_with_the_database_and_say_so(
        aiohttp_client, settings):
    down = replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = await aiohttp_client(create_app(down))
    families, _ = await metrics(client)
    assert value(families, "cmsbot_scrape_error", source="redis") == 1
    assert value(families, "cmsbot_scrape_error", source="database") == 0
    assert "cmsbot_queue_depth" not in families and "cmsbot_deliveries" in families


async def test_with_a_metrics_token_only_its_bearer_may_scrape(aiohttp_client, settings):
    guarded = replace(settings, metrics_token=Secret("scrape-token"))
    client = await aiohttp_client(create_app(guarded))
    for headers in ({}, {"Authorization": "Bearer wrong"}, AUTH):
        response = await client.get("/metrics", headers=headers)
        assert response.status == 401 and "CMSBOT_METRICS_TOKEN" in await response.text()
    await metrics(client, {"Authorization": "Bearer scrape-token"})
    assert (await client.get("/readyz")).status == 200  # probes carry no token


async def shown(client, incident_id):
    return await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()


async def shown_deliveries(client):
    return sum([len((await shown(client, i))["deliveries"]) for i in ("NYPD-1", "NYPD-2")])


def people(sites: Sites) -> list[str]:
    names = [c.name for c in sites.coordinators]
    return names + [m.name for team in sites.teams for m in team.members]
