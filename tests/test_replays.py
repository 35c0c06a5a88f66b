"""Re-cut Twilio replays, end to end: a captured, validly signed webhook is cut anew so that its
signature still checks out (Twilio signs the sorted keys and values run together, with no
separator) while it names a "new" MessageSid. Every such request is refused with a 403 before
anything is kept, and nothing it asked for happens a second time."""

import secrets
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.main.app import create_app
from bot.store.engine import open_engine
from bot.store.schema import inbound_messages, opt_outs
from tests.clock import from_start
from tests.conftest import ACCOUNT, API_TOKEN, STAFF_FROM, TWILIO_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1}
LUIS, VICTOR, DANA, SAM = "+13475550140", "+13475550142", "+12125550100", "+12125550101"
RESIDENT_FROM, ANA = "+12125550198", "+17185550201"
SIGNER = RequestValidator(TWILIO_TOKEN)


def inbound(sender: str, to: str, body: str) -> dict[str, str]:
    """The fields of an inbound-SMS webhook, as Twilio posts them."""
    sid = "SM" + secrets.token_hex(16)
    return {"AccountSid": ACCOUNT, "ApiVersion": "2010-04-01", "Body": body, "From": sender,
            "MessageSid": sid, "NumMedia": "0", "NumSegments": "1", "SmsMessageSid": sid,
            "SmsSid": sid, "SmsStatus": "received", "To": to}


def cut(params: dict[str, str], into: str, *moved: str) -> dict[str, str]:
    """`params` with the fields `moved` written into the end of field `into`'s value: the
    sorted keys and values run together exactly as before."""
    recut = {k: v for k, v in params.items() if k not in moved}
    recut[into] += "".join(name + params[name] for name in moved)
    return recut


def recuts(params: dict[str, str]) -> list[dict[str, str]]:
    """The re-cuts of one inbound SMS: new MessageSids, and the same one hidden or repeated."""
    return [cut(params, "MessageSid", "NumMedia"),
            cut(params, "MessageSid", "NumMedia", "NumSegments"),
            cut(params, "MessageSid", "NumMedia", "NumSegments", "SmsMessageSid"),
            cut(params, "From", "MessageSid"),
            cut(params, "SmsMessageSid", "SmsSid"),
            cut(params, "SmsSid", "SmsStatus")]


@pytest.fixture
def settings_here(live_settings):
    return replace(live_settings, twilio_resident_from=RESIDENT_FROM)


@pytest.fixture
async def client(aiohttp_client, settings_here, port, clock, sample_sites):
    return await aiohttp_client(create_app(settings_here, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def work(run_worker, settings_here, clock):
    return lambda: run_worker(settings_here, clock)


@pytest.fixture
def post(client, settings_here):
    """POST `params` to a Twilio route, signed as Twilio signed them (or with `signature`)."""
    async def send(path: str, params: dict[str, str], signature: str | None = None):
        url = settings_here.public_url + path
        signature = signature or SIGNER.compute_signature(url, params)
        response = await client.post(path, data=urlencode(params), headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"})
        return response.status, await response.text(), signature
    return send


@pytest.fixture
def replay(post, settings_here):
    """Each re-cut of a signed request, under its signature (still valid: shown first)."""
    async def send(path: str, params: dict[str, str], signature: str,
                   cuts: list[dict[str, str]]) -> list[int]:
        url = settings_here.public_url + path
        statuses = []
        for recut in cuts:
            assert SIGNER.validate(url, recut, signature)
            statuses.append((await post(path, recut, signature))[0])
        return statuses
    return send


async def kept(settings, *columns):
    engine = open_engine(settings.sqlalchemy_url, pooled=False)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(select(*columns))).all()]
    finally:
        await engine.dispose()


async def alert(client, work):
    response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    assert response.status == 202, await response.text()
    await work()


async def timeline(client):
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    return [(e["actor"], e["action"]) for e in shown["timeline"]]


async def test_a_re_cut_note_is_refused_and_the_note_is_kept_once(client, work, post, replay,
                                                                  settings_here, clock):
    await alert(client, work)
    note = inbound(LUIS, STAFF_FROM, "NOTE 1 crowd gathering outside the bodega")
    status, answer, signature = await post("/twilio/sms", note)
    assert status == 200 and "note added to #1" in answer
    clock.advance(timedelta(minutes=3))  # replayed later, as a listener would
    assert await replay("/twilio/sms", note, signature, recuts(note)) == [403] * 6
    await work()
    assert (await timeline(client)).count(("Luis Feliz", "note")) == 1
    assert len(await kept(settings_here, inbound_messages.c.sid)) == 1


async def test_a_re_cut_need_pages_the_coordinators_once(client, work, twilio, slack, post,
                                                         replay, clock):
    await alert(client, work)
    need = inbound(LUIS, STAFF_FROM, "NEED 1 crowd growing, need a second team")
    status, answer, signature = await post("/twilio/sms", need)
    assert status == 200 and "sent to your supervisor and the coordinators" in answer
    await work()
    clock.advance(timedelta(minutes=3))  # replayed later, as a listener would
    assert await replay("/twilio/sms", need, signature, recuts(need)) == [403] * 6
    await work()
    for person in (VICTOR, DANA, SAM):
        pages = [m for m in twilio.sent_to(person) if "NEED SUPPORT" in m.body]
        assert len(pages) == 1
    assert len([p for p in slack.posts if p["channel"] == "C0CMSHQ"
                and "NEED SUPPORT" in str(p["blocks"])]) == 1


async def test_a_re_cut_start_does_not_undo_a_residents_stop(post, replay, settings_here):
    start = inbound(ANA, RESIDENT_FROM, "START")
    status, _, signature = await post("/twilio/sms", start)  # what a listener captured
    assert status == 200
    assert (await post("/twilio/sms", inbound(ANA, RESIDENT_FROM, "STOP")))[0] == 200
    stopped = [(ANA, "resident")]
    assert await kept(settings_here, opt_outs.c.phone, opt_outs.c.sender) == stopped
    assert await replay("/twilio/sms", start, signature, recuts(start)) == [403] * 6
    assert await kept(settings_here, opt_outs.c.phone, opt_outs.c.sender) == stopped


async def test_a_signed_request_naming_another_account_or_lacking_twilios_fields_is_refused(
        client, work, post, settings_here):
    await alert(client, work)
    note = inbound(LUIS, STAFF_FROM, "1N signed with our token, sent by no Twilio of ours")
    for refused in ({**note, "AccountSid": "AC" + "f" * 32}, {**note, "AccountSid": "AC1"},
                    {k: v for k, v in note.items() if k != "NumMedia"},
                    {k: note[k] for k in ("Body", "From", "MessageSid", "To")}):
        assert (await post("/twilio/sms", refused))[0] == 403  # signed anew: it checks out
    await work()
    assert ("Luis Feliz", "note") not in await timeline(client)
    assert await kept(settings_here, inbound_messages.c.sid) == []


async def test_a_re_cut_status_callback_is_refused_and_the_status_stays(client, work, twilio,
                                                                        post, replay,
                                                                        settings_here):
    await alert(client, work)
    luis = twilio.sent_to(LUIS)[0]
    assert await twilio.deliver(luis.sid, "delivered") == 204
    failed = {"AccountSid": ACCOUNT, "ApiVersion": "2010-04-01", "ErrorCode": "30003",
              "From": STAFF_FROM, "MessageSid": luis.sid, "MessageStatus": "failed",
              "SmsSid": luis.sid, "SmsStatus": "failed", "To": LUIS}
    signature = SIGNER.compute_signature(settings_here.public_url + "/twilio/status", failed)
    cuts = [cut(failed, "MessageSid", "MessageStatus"), cut(failed, "MessageStatus", "SmsSid"),
            cut(failed, "ErrorCode", "From"), cut(failed, "From", "MessageSid")]
    assert await replay("/twilio/status", failed, signature, cuts) == [403] * 4
    other_account = {**failed, "AccountSid": "AC" + "f" * 32}
    assert (await post("/twilio/status", other_account))[0] == 403  # signed anew: it checks out
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert next(d for d in shown["deliveries"] if d["recipient"] == "***0140")["status"] == (
        "delivered")
