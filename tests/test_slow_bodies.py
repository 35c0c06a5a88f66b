"""The attack on a real `cmsbot serve`: clients declaring 30 KB bodies and trickling them a byte
at a time. Each is cut with 408 soon after the body deadline and its connection closed, while
/healthz answers throughout, and the log says so in warnings, never as an outage."""

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.polling import eventually
from tests.processes import DEADLINE, clean_env, finish, free_port, healthz, read_until, start
from tests.slow_clients import trickle

BODY_DEADLINE = 1.0  # CMSBOT_BODY_DEADLINE of the process under attack
MARGIN = 5.0  # how much later than the deadline a cut may come, on a loaded machine
LINGER = 10.0  # aiohttp reads what a cut client still sends for this long, then closes
ROUTES = ("/twilio/sms", "/twilio/status", "/slack/events", "/api/incidents", "/signin")
PER_ROUTE = 4


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "v"  # short: the embedded Redis listens on a Unix socket under it


async def test_slow_bodies_are_cut_with_408_while_healthz_answers(home):
    port = free_port()
    web = await start("serve", env=clean_env(home, PORT=str(port),
                                             CMSBOT_BODY_DEADLINE=str(BODY_DEADLINE)))
    out: list[str] = []
    await read_until(web, lambda said: f"listening on port {port}" in said, out)
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
