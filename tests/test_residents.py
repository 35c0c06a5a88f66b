"""Residents end to end: the opt-in conversation in both languages, broadcasts to the right
people only, STOP in the middle, automatic area notices, and nothing private ever sent."""

import json
import time
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from bot.main.app import create_app
from bot.store.engine import open_engine
from bot.store.schema import broadcasts, resident_zones
from tests.conftest import API_TOKEN
from tests.slack_requests import signed_headers

RESIDENT_FROM = "+12125550198"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
ANA, BEN, CARLA, DEV = "+17185550201", "+17185550202", "+17185550203", "+17185550204"
LUIS_STAFF = "+13475550140"


@pytest.fixture
def resident_settings(live_settings):
    return replace(live_settings, twilio_resident_from=RESIDENT_FROM)


@pytest.fixture
async def client(aiohttp_client, resident_settings, port, clock, sample_sites):
    return await aiohttp_client(create_app(resident_settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def work(run_worker, resident_settings, clock):
    return lambda: run_worker(resident_settings, clock)


@pytest.fixture
def text(twilio, port, client):
    """A resident texting the resident number; returns cmsbot's TwiML reply text."""
    async def send(sender: str, body: str) -> str | None:
        status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", sender,
                                                   RESIDENT_FROM, body)
        assert status == 200
        messages = [m.text for m in ElementTree.fromstring(answer).iter("Message")]  # noqa: S314
        return messages[0] if messages else None
    return send


async def join(text, phone: str, area: str, yes: str = "YES") -> str | None:
    await text(phone, f"JOIN {area}")
    return await text(phone, yes)


async def test_joining_takes_a_keyword_and_a_yes_and_keeps_the_consent(text, resident_settings):
    prompt = await text(ANA, "join 10454")
    assert prompt.startswith("CMS Safety Updates: reply YES to get safety updates for 10454")
    assert "Msg freq varies" in prompt and "STOP to cancel" in prompt and "HELP" in prompt
    done = await text(ANA, "Yes")
    assert done.startswith("CMS Safety Updates: you're signed up for 10454")
    engine = open_engine(resident_settings.sqlalchemy_url, pooled=False)
    async with engine.connect() as conn:
        consent = (await conn.execute(select(resident_zones))).one()
    await engine.dispose()
    assert (consent.phone, consent.zone, consent.status) == (ANA, "zip:10454", "active")
    assert (consent.keyword, consent.request_text, consent.confirm_text) == ("JOIN", "join 10454",
                                                                           "Yes")
    assert consent.requested_at is not None and consent.confirmed_at is not None


async def test_the_conversation_in_spanish(text):
    prompt = await text(BEN, "UNIRSE brownsville")
    assert prompt.startswith("Alertas de Seguridad CMS: responda SI")
    assert "STOP para cancelar" in prompt
    assert (await text(BEN, "sí")).startswith("Alertas de Seguridad CMS: listo")
    assert "Brownsville" in await text(BEN, "ZONAS")
    assert (await text(BEN, "SALIR brownsville")).startswith(
        "Alertas de Seguridad CMS: ya no recibira alertas de Brownsville")
    assert "Emergencias: llame al 911" in await text(BEN, "AYUDA")
    assert "write to you in English" in await text(BEN, "EN")


async def test_names_are_forgiving_and_ambiguous_ones_get_a_short_list(text):
    assert "East New York" in await text(CARLA, "JOIN east new york")  # exact name wins
    assert "Brownsville" in await text(CARLA, "JOIN BROWNSVILE")  # a typo
    choices = await text(DEV, "JOIN east")
    assert choices.startswith("CMS Safety Updates: which area? 1) East New York "
                              "2) East New York (Pennsylvania Ave)")
    assert "(Pennsylvania Ave)" in await text(DEV, "2")
    assert "signed up for East New York (Pennsylvania Ave)" in await text(DEV, "YES")
    assert "could not find" in await text(DEV, "JOIN Atlantis")


async def test_staff_numbers_are_never_residents(text):
    assert "for residents" in await text(LUIS_STAFF, "JOIN 10454")


async def test_a_stop_to_the_residents_number_tells_no_supervisor(client, work, text, twilio,
                                                                 clock):
    # Luis is staff, but this STOP is to the residents' number: it opts him out of resident
    # messages only, so nobody is told he gets no alerts (he still does).
    assert await text(ANA, "STOP") is None
    assert await text(LUIS_STAFF, "STOP") is None
    await work()
    assert twilio.messages == []
    incident = {"id": "NYPD-8", "occurred_at": clock.now.isoformat(), "lat": 40.8105,
                "lon": -73.9235, "location": "E 138 ST & WILLIS AVE"}
    assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    await work()
    assert twilio.sent_to(LUIS_STAFF)[0].body.startswith("CMS ALERT #1")
    assert not any("texted STOP" in m.body for m in twilio.messages)


async def test_unknown_texts_get_help_once_an_hour(text, clock):
    assert "Crisis Management System" in await text(ANA, "hello?")
    assert await text(ANA, "anyone?") is None
    clock.advance(timedelta(minutes=61))
    assert await text(ANA, "hello again") is not None


async def broadcast(client, slack, zone: str, body: str) -> str:
    count = len(slack.responses)
    form = urlencode({"command": "/cms", "text": f"broadcast {zone} {body}", "user_id": "U0COORD1",
                      "trigger_id": f"t{time.time()}", "response_url": slack.response_url("b")})
    await client.post("/slack/events", data=form, headers=signed_headers(form))
    preview = (await slack.wait_for_response(count + 1))[-1].body
    button = preview["blocks"][-1]["elements"][0]
    payload = {"type": "block_actions", "user": {"id": "U0COORD1"}, "team": {"id": "T0CMS"},
               "trigger_id": f"t{time.time()}", "response_url": slack.response_url("c"),
               "actions": [{**button, "action_ts": f"{time.time():.6f}"}]}
    form = urlencode({"payload": json.dumps(payload)})
    await client.post("/slack/events", data=form, headers=signed_headers(form))
    await slack.wait_for_response(count + 2)
    return preview["text"]


async def test_a_broadcast_reaches_the_residents_of_the_zone_only_each_in_their_language(
        client, work, text, twilio, slack):
    await join(text, ANA, "10454")  # the South Bronx
    await text(BEN, "UNIRSE 11212")
    await text(BEN, "SI")
    await join(text, CARLA, "BROWNSVILLE")
    await join(text, DEV, "11433")  # Queens: not in Brooklyn's broadcast
    preview = await broadcast(client, slack, "bivo-brownsville",
                              "Community meeting tonight 7pm at PS 156 | es: Reunion esta noche")
    assert "*B-1* to residents of Brownsville In Violence Out: 2 recipients" in preview
    await work()
    got = {m.to: m.body for m in twilio.messages if m.body.startswith(("CMS Safety Update (",
                                                                         "Alerta CMS ("))}
    assert set(got) == {BEN, CARLA}
    assert got[CARLA].startswith("CMS Safety Update (Brownsville In Violence Out): Community")
    assert got[BEN].startswith("Alerta CMS (Brownsville In Violence Out): Reunion esta noche")
    assert all(m.from_ == RESIDENT_FROM for m in twilio.messages if m.to in got)


ATTACK = ("Shooting at 455 E 140 ST & BROOK AVE: 2 victims, 1 FATAL (Jose R., 17), taken to "
          "Lincoln Hospital")


async def test_a_broadcast_naming_victims_an_address_or_a_hospital_is_refused_with_the_words(
        client, work, text, twilio, slack, resident_settings):
    await join(text, ANA, "10454")
    before = len(slack.responses)
    form = urlencode({"command": "/cms", "text": f"broadcast zip:10454 {ATTACK} | es: 2 víctimas",
                      "user_id": "U0COORD1", "trigger_id": f"t{time.time()}",
                      "response_url": slack.response_url("attack")})
    assert (await client.post("/slack/events", data=form, headers=signed_headers(form))).status \
        == 200
    answer = (await slack.wait_for_response(before + 1))[-1].body
    assert not any(element.get("action_id") == "cms_broadcast_confirm"
                   for block in answer.get("blocks", []) for element in block.get("elements", []))
    refused = answer["text"]
    assert refused.startswith("Not drafted: residents never get victim details, a hospital or an "
                              "exact address. ")
    for words in ('"455 E 140 ST &amp; BROOK AVE": an exact address',
                  '"2 victims", "1 FATAL", "2 victimas": victim details',
                  '"Jose R.": a name with an initial', '"17": a victim\'s age',
                  '"Lincoln Hospital": a hospital'):
        assert words in refused
    # The area-level wording instead: the standard notice's words for that area.
    assert "`/cms broadcast zip:10454 A shooting was reported in the 10454 area " in refused
    assert "| es: Se reporto un tiroteo en la zona de 10454 " in refused
    await work()
    assert [m.body for m in twilio.messages if m.to == ANA] == []
    engine = open_engine(resident_settings.sqlalchemy_url, pooled=False)
    async with engine.connect() as conn:
        drafts = (await conn.execute(select(broadcasts))).all()
    await engine.dispose()
    assert drafts == []


async def test_stop_after_a_broadcast_started_means_no_message(client, work, text, twilio, slack):
    await join(text, CARLA, "BROWNSVILLE")
    await join(text, ANA, "11212")
    await broadcast(client, slack, "nta:BK81", "Cooling center open")
    assert await text(CARLA, "STOP") is None  # before the batch reached her
    await work()
    assert [m.to for m in twilio.messages if "Cooling center" in m.body] == [ANA]


async def test_a_verified_shooting_tells_residents_of_the_area_later_with_the_area_only(
        client, work, text, twilio, clock):
    await join(text, ANA, "MOTT HAVEN")
    incident = {"id": "NYPD-9", "occurred_at": clock.now.isoformat(), "lat": 40.8105,
                "lon": -73.9235, "location": "E 138 ST & WILLIS AVE", "hospital": "Lincoln",
                "victims": 2, "fatal": True, "verified": True}
    assert (await client.post("/api/incidents", json=incident, headers=AUTH)).status == 202
    await work()
    assert [m for m in twilio.sent_to(ANA) if "shooting" in m.body] == []
    clock.advance(timedelta(minutes=31))
    await work()
    notice = [m.body for m in twilio.sent_to(ANA) if "shooting" in m.body]
    assert len(notice) == 1
    assert notice[0].startswith("CMS Safety Update: A shooting was reported in the "
                                "Mott Haven-Port Morris area")
    assert "BRAG hotline 347-555-0150" in notice[0]
    for private in ("138", "WILLIS", "Lincoln", "fatal", "2 victims", "FATAL"):
        assert private not in notice[0]


async def test_a_playbooks_residents_step_goes_out_once_a_coordinator_confirms_it(
        client, work, text, twilio, slack, clock):
    await join(text, CARLA, "11207")  # East New York: man-up-eny's area
    response = await client.post("/api/takedowns", headers=AUTH, json={
        "area": "man-up-eny", "date": "tomorrow", "created_by": "Dana Reyes"})
    assert response.status == 201
    clock.set_local(2, 12, 1)  # day 1, 12:01: the residents step is due
    await work()
    approval = [p for p in slack.posts if p["channel"] == "C0CMSHQ" and "for residents" in p["text"]]
    assert len(approval) == 1
    assert not [m for m in twilio.sent_to(CARLA) if "Support is available" in m.body]
    button = approval[0]["blocks"][-1]["elements"][0]
    payload = {"type": "block_actions", "user": {"id": "U0COORD1"}, "team": {"id": "T0CMS"},
               "trigger_id": "t-approve", "response_url": slack.response_url("approve"),
               "actions": [{**button, "action_ts": f"{time.time():.6f}"}]}
    form = urlencode({"payload": json.dumps(payload)})
    await client.post("/slack/events", data=form, headers=signed_headers(form))
    await slack.wait_for_response(1)
    await work()
    sent = [m.body for m in twilio.sent_to(CARLA) if "Support is available" in m.body]
    assert len(sent) == 1 and sent[0].startswith("CMS Safety Update (Man Up! (East New York)): ")


async def test_a_police_involved_shooting_never_makes_an_automatic_notice_while_a_shooting_does(
        client, work, text, twilio, clock):
    await join(text, ANA, "MOTT HAVEN")  # brag-mott-haven: resident_notices, 30 m delay
    place = {"occurred_at": clock.now.isoformat(), "lat": 40.8105, "lon": -73.9235,
             "location": "E 138 ST & WILLIS AVE", "victims": 1, "verified": True}
    police = {**place, "id": "NYPD-PI-1", "type": "police-involved"}
    assert (await client.post("/api/incidents", json=police, headers=AUTH)).status == 202
    await work()
    clock.advance(timedelta(minutes=31))
    await work()
    assert [m.body for m in twilio.sent_to(ANA) if "Safety Update" in m.body] == []
    shooting = {**place, "id": "NYPD-S-2", "occurred_at": clock.now.isoformat()}
    assert (await client.post("/api/incidents", json=shooting, headers=AUTH)).status == 202
    await work()
    clock.advance(timedelta(minutes=31))
    await work()
    notices = [m.body for m in twilio.sent_to(ANA) if "Safety Update" in m.body]
    assert len(notices) == 1 and "A shooting was reported" in notices[0]
