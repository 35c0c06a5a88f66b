"""Cancelling an unfounded or duplicate incident, end to end: POST /api/incidents/{id}/cancel
with the API token and `/cms cancel` signed as Slack signs it, a real rq worker, the doubles,
one clock. Escalations stop, those paged are told once, a resident notice is withdrawn, and a
member on scene still has to check out."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from tests import test_responses as responses
from tests.clock import from_start
from tests.conftest import API_TOKEN, STAFF_FROM
from tests.test_residents import RESIDENT_FROM, client, resident_settings, work
from tests.test_slack import cms

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1,
         "verified": True}
LUIS, GRACE, VICTOR = "+13475550140", "+13475550141", "+13475550142"  # Victor: supervisor
DANA, SAM = "+12125550100", "+12125550101"  # coordinators
ANA = "+17185550201"  # a resident of Mott Haven
COORDINATOR, LUIS_SLACK = "U0COORD1", "U0LUISFE"
__all__ = ["client", "cms", "resident_settings", "work"]  # fixtures shared with other tests
CANCELLED = "CMS #1 CANCELLED: unfounded, fireworks. No need to respond."


@pytest.fixture
def text(twilio, port, client):
    """Text one of cmsbot's numbers as `sender`; returns its TwiML reply text."""
    async def send(sender: str, body: str, to: str = STAFF_FROM) -> str | None:
        status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", sender,
                                                   to, body)
        assert status == 200
        messages = [m.text for m in ElementTree.fromstring(answer).iter("Message")]  # noqa: S314
        return messages[0] if messages else None
    return send


async def alert(client, work, incident=BRONX):
    await responses.alert(client, work, incident)  # this file's BRONX: verified, for notices


async def cancel(client, reason="unfounded, fireworks", incident_id="NYPD-1"):
    return await client.post(f"/api/incidents/{incident_id}/cancel", json={"reason": reason},
                             headers=AUTH)


def bodies(twilio, number):
    return [m.body for m in twilio.sent_to(number)]


async def test_cancel_stops_the_escalation_and_tells_those_paged_once(
        client, work, twilio, slack, clock):
    await alert(client, work)
    response = await cancel(client)
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "cancelled" and body["told"] == 2
    await work()
    for member in (LUIS, GRACE):
        assert [b for b in bodies(twilio, member) if "CANCELLED" in b] == [CANCELLED]
    clock.advance(timedelta(minutes=10, seconds=1))
    await work()
    clock.advance(timedelta(minutes=10))
    await work()
    assert not any("ESCALATION" in m.body for m in twilio.messages)
    redrawn = [u for u in slack.updates if u["channel"] == "C040BRX"][-1]
    assert "CANCELLED" in str(redrawn["blocks"])
    assert not any(block["type"] == "actions" for block in redrawn["blocks"])
    view = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    events = [(e["actor"], e["action"], e["detail"]) for e in view["timeline"]]
    assert ("api", "cancelled", "unfounded, fireworks") in events
    assert ("cmsbot", "paged") in [(actor, action) for actor, action, _ in events]


async def test_a_second_cancel_is_a_409_and_sends_nothing(client, work, twilio):
    await alert(client, work)
    assert (await cancel(client)).status == 200
    await work()
    sent = len(twilio.messages)
    again = await cancel(client, "duplicate of NYPD-2")
    assert again.status == 409 and "already cancelled" in (await again.json())["error"]
    await work()
    assert len(twilio.messages) == sent


async def test_a_member_on_scene_still_has_to_check_out(client, work, twilio, text, clock):
    await alert(client, work)
    await text(LUIS, "1S")
    assert (await cancel(client)).status == 200
    await work()
    clock.advance(timedelta(minutes=91))  # past the team's 90 min safety check-out
    await work()
    assert [b for b in bodies(twilio, VICTOR) if b.startswith("CMS SAFETY #")]
    assert (await text(LUIS, "1K")).startswith("CMS: #1")


async def test_cancel_withdraws_the_pending_resident_notice(client, work, twilio, text, clock):
    await text(ANA, "JOIN MOTT HAVEN", RESIDENT_FROM)
    await text(ANA, "YES", RESIDENT_FROM)
    await alert(client, work)  # verified, in brag-mott-haven: a notice 30 min later
    body = await (await cancel(client)).json()
    assert body["notices_withdrawn"] == 1
    clock.advance(timedelta(minutes=31))
    await work()
    assert not [m for m in twilio.sent_to(ANA) if "shooting" in m.body]


async def test_an_update_never_adds_victim_details_to_the_resident_notice(
        client, work, twilio, text, clock):
    await text(ANA, "JOIN MOTT HAVEN", RESIDENT_FROM)
    await text(ANA, "YES", RESIDENT_FROM)
    await alert(client, work)
    await client.patch("/api/incidents/NYPD-1", headers=AUTH,
                       json={"fatal": True, "victims": 3, "hospital": "Lincoln"})
    clock.advance(timedelta(minutes=31))
    await work()
    notice = [m.body for m in twilio.sent_to(ANA) if "shooting" in m.body]
    assert len(notice) == 1
    for private in ("Lincoln", "fatal", "FATAL", "3 victims", "138", "WILLIS"):
        assert private not in notice[0]


async def test_cms_cancel_is_for_coordinators(cms, client, work, twilio):
    await alert(client, work)
    refused = await cms("cancel NYPD-1 looks unfounded", user=LUIS_SLACK)
    assert "Only coordinators" in refused
    assert "Usage: `/cms cancel ID reason`" in await cms("cancel NYPD-1")
    answer = await cms("cancel NYPD-1 duplicate of NYPD-2")
    assert answer.startswith("Cancelled `NYPD-1`") and "2 people told" in answer
    await work()
    assert [b for b in bodies(twilio, LUIS) if "CANCELLED" in b] == [
        "CMS #1 CANCELLED: duplicate of NYPD-2. No need to respond."]
    assert "already cancelled" in await cms("cancel NYPD-1 again")
    view = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert ("Dana Reyes", "cancelled") in [(e["actor"], e["action"]) for e in view["timeline"]]


async def test_cancel_on_an_unknown_id_is_a_404_and_needs_a_reason(client, work):
    response = await cancel(client, incident_id="NYPD-404")
    assert response.status == 404
    await alert(client, work)
    response = await client.post("/api/incidents/NYPD-1/cancel", json={}, headers=AUTH)
    assert response.status == 400 and (await response.json())["field"] == "reason"
    assert (await client.post("/api/incidents/NYPD-1/cancel",
                              json={"reason": "x"})).status == 401
