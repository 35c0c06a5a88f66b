"""Residents on a Messaging Service (TWILIO_RESIDENT_FROM=MG...): their texts reach us from one
of the service's numbers, which we are never told, and are known as theirs by the
MessagingServiceSid Twilio sends; a resident's STOP is a resident's opt-out."""

from dataclasses import replace
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from bot.main.app import create_app
from bot.store.engine import open_engine
from bot.store.schema import opt_outs
from tests.conftest import API_TOKEN

SERVICE = "MG" + "5" * 32
POOL_NUMBER = "+12125550198"  # one of the service's numbers: not configured anywhere
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
ANA, BEN = "+17185550201", "+17185550202"


@pytest.fixture
def service_settings(live_settings):
    return replace(live_settings, twilio_resident_from=SERVICE)


@pytest.fixture
async def client(aiohttp_client, service_settings, port, clock, sample_sites):
    return await aiohttp_client(create_app(service_settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def work(run_worker, service_settings, clock):
    return lambda: run_worker(service_settings, clock)


@pytest.fixture
def text(twilio, port, client):
    """A resident texting the residents' service; returns cmsbot's TwiML reply text."""
    async def send(sender: str, body: str) -> str | None:
        status, answer = await twilio.send_inbound(
            f"http://127.0.0.1:{port}/twilio/sms", sender, POOL_NUMBER, body,
            extra={"MessagingServiceSid": SERVICE})
        assert status == 200
        messages = [m.text for m in ElementTree.fromstring(answer).iter("Message")]  # noqa: S314
        return messages[0] if messages else None
    return send


async def test_a_residents_stop_through_the_service_is_a_residents_opt_out(
        client, work, text, twilio, clock, service_settings):
    for resident in (ANA, BEN):
        assert (await text(resident, "JOIN MOTT HAVEN")).startswith("CMS Safety Updates: reply")
        assert "signed up for" in await text(resident, "YES")
    assert await text(ANA, "STOP") is None
    engine = open_engine(service_settings.sqlalchemy_url, pooled=False)
    async with engine.connect() as conn:
        stopped = (await conn.execute(select(opt_outs.c.phone, opt_outs.c.sender))).all()
    await engine.dispose()
    assert [tuple(row) for row in stopped] == [(ANA, "resident")]
    incident = {"id": "NYPD-9", "occurred_at": clock.now.isoformat(), "lat": 40.8105,
                "lon": -73.9235, "verified": True}
    assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    await work()
    clock.advance(timedelta(minutes=31))
    await work()
    notices = [m for m in twilio.messages if m.to in (ANA, BEN) and "shooting" in m.body]
    assert [m.to for m in notices] == [BEN]  # Ana said STOP: never texted again
    assert notices[0].messaging_service_sid == SERVICE and notices[0].from_ is None
