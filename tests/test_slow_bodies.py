"""The attack on a real `cmsbot serve`: clients declaring 30 KB bodies and trickling them a byte
at a time. Each is cut with 408 soon after the body deadline and its connection closed, while
/healthz answers throughout, and the log says so in warnings, never as an outage; clients that
hang up mid-body are warnings too, never "the database is unreachable"."""

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.polling import eventually
from tests.processes import DEADLINE, clean_env, finish, free_port, healthz, read_until, start
from tests.slow_clients import hang_up, partly_sent, trickle

BODY_DEADLINE = 1.0  # CMSBOT_BODY_DEADLINE of the process under attack
MARGIN = 5.0  # how much later than the deadline a cut may come, on a loaded machine
LINGER = 10.0  # aiohttp reads what a cut client still sends for this long, then closes
ROUTES = ("/twilio/sms", "/twilio/status", "/slack/events", "/api/incidents", "/signin")
PER_ROUTE = 4
PATIENT = 10.0  # the longest body deadline: time to see every body being read before hanging up


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "v"  # short: the embedded Redis listens on a Unix socket under it


async def serve(home: Path, deadline: float) -> tuple[asyncio.subprocess.Process, int, list[str]]:
    """`cmsbot serve` on a fresh machine with this body deadline, once it listens."""
    port = free_port()
    web = await start("serve", env=clean_env(home, PORT=str(port),
                                             CMSBOT_BODY_DEADLINE=str(deadline)))
    out: list[str] = []
    await read_until(web, lambda said: f"listening on port {port}" in said, out)
    return web, port, out


async def reading_bodies(http: aiohttp.ClientSession) -> float:
    """What /metrics says of the bodies the process is waiting on."""
    async with http.get("/metrics") as answer:
        text = await answer.text()
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "cmsbot_reading_bodies"]
    return family.samples[0].value


async def test_slow_bodies_are_cut_with_408_while_healthz_answers(home):
    web, port, out = await serve(home, BODY_DEADLINE)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        assert await healthz(http) == 200
        attack = [asyncio.ensure_future(
            trickle(port, path, within=BODY_DEADLINE + MARGIN, until_closed=LINGER + MARGIN))
            for path in ROUTES for _ in range(PER_ROUTE)]

        async def alive_until_all_cut() -> bool:
            async with http.get("/healthz") as answer:
                assert answer.status == 200
            return all(slow.done() for slow in attack)

        await eventually(alive_until_all_cut, "every slow client to be cut",
                         within=BODY_DEADLINE + MARGIN + LINGER + MARGIN, interval=0.1)
        answers = [slow.result() for slow in attack]
    assert [(a.status, "Connection: close" in a.head, a.closed) for a in answers] == \
        [(408, True, True)] * len(ROUTES) * PER_ROUTE
    web.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(finish(web, out), DEADLINE) == 0
    said = "".join(out)
    assert said.count("the body was not all sent within 1 s") == len(ROUTES) * PER_ROUTE
    assert "unreachable" not in said and "ERROR" not in said and "Traceback" not in said


async def test_clients_that_hang_up_mid_body_are_no_outage(home):
    web, port, out = await serve(home, PATIENT)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        assert await healthz(http) == 200
        connections = [await partly_sent(port, path, b"Body=HELP&From=%2B1347") for path in ROUTES]
        # Hung up once the process is reading them: a loss before that is only a wait.
        await eventually(lambda: reading_bodies(http), "the bodies to be read",
                         until=lambda n: n == len(ROUTES), within=PATIENT)
        for connection in connections:
            await hang_up(connection)
        await read_until(web, lambda said: said.count("the body was cut off")
                         + said.count("unreachable") >= len(ROUTES), out)
        assert await healthz(http) == 200
    web.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(finish(web, out), DEADLINE) == 0
    said = "".join(out)
    assert said.count("the body was cut off (ConnectionResetError)") == len(ROUTES)
    assert "unreachable" not in said and "ERROR" not in said and "Traceback" not in said
