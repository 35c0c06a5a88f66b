"""`promtool check metrics`, Prometheus's own linter, finds nothing to say about a scrape of the
live service with every family filled in (Debian's `prometheus` package ships promtool)."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from tests.conftest import IN_CI
from tests.handlers.test_operations import AUTH, BRONX, LUIS, metrics, sms


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if IN_CI:
            pytest.fail("promtool is not installed; .ci/run installs it (apt-get install prometheus)",
                        pytrace=False)
        pytest.skip("no promtool on this machine: apt-get install prometheus")
    return found


async def test_promtool_finds_no_problem_in_a_scrape(promtool, client, work, twilio, port):
    assert (await client.post("/api/incidents", json=BRONX, headers=AUTH)).status == 202
    assert (await client.post("/api/incidents", json=BRONX)).status == 401
    await work()
    await sms(twilio, port, LUIS, "1A")
    _, text = await metrics(client)
    assert "cmsbot_webhook_seconds_bucket" in text and "cmsbot_time_to_ack_seconds_bucket" in text
    checker = await asyncio.create_subprocess_exec(
        promtool, "check", "metrics", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    said, _ = await asyncio.wait_for(checker.communicate(text.encode()), timeout=30)
    assert (checker.returncode, said.decode()) == (0, "")
