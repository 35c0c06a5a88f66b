"""Who may do what, as one table: every kind of person against every way of acting.

The incident NYPD-1 is routed to brag-mott-haven (Luis is a member, Victor its supervisor);
Ray is a member of another team; Dana a coordinator; Ana a resident; the stranger is nobody.
Below the table: nothing of another team's crosses by a side door (links, ids typed in part).
"""

import inspect
import json
import time
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from alerts.slack_blocks import button_value
from handlers import auth
from tests.clock import from_start
from tests.conftest import API_TOKEN, STAFF_FROM
from tests.handlers.test_dashboard import sign_in
from tests.slack_requests import signed_headers

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "location": "E 138 ST & WILLIS AVE"}
PEOPLE = {  # name: (phone, slack user)
    "stranger": ("+19175550199", "U0NOBODY"),
    "resident": ("+17185550201", None),
    "other team member": ("+12125550175", "U0RAYORT"),
    "member": ("+13475550140", "U0LUISFE"),
    "supervisor": ("+13475550142", "U0VICTOR"),
    "coordinator": ("+12125550100", "U0COORD1"),
}
NAMES = {"other team member": "Ray Ortiz", "member": "Luis Feliz",
         "supervisor": "Victor Adeyemi", "coordinator": "Dana Reyes"}


@pytest.fixture
async def incident(client, work):
    response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    assert response.status == 202
    await work()


async def actions_by(client, name):
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    return [e["action"] for e in shown["timeline"] if e["actor"] == name]


async def sms(twilio, port, phone, body):
    status, answer = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", phone,
                                               STAFF_FROM, body)
    assert status == 200
    messages = [m.text for m in ElementTree.fromstring(answer).iter("Message")]  # noqa: S314
    return messages[0] if messages else ""


async def slash(client, slack, user, text):
    before = len(slack.responses)
    body = urlencode({"command": "/cms", "text": text, "user_id": user,
                      "trigger_id": f"t{time.time()}", "response_url": slack.response_url("p")})
    assert (await client.post("/slack/events", data=body, headers=signed_headers(body))).status \
        == 200
    return (await slack.wait_for_response(before + 1))[-1].body["text"]


async def button(client, slack, user, action_id):
    before = len(slack.responses)
    payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T0CMS"},
               "trigger_id": f"t{time.time()}", "response_url": slack.response_url("p"),
               "channel": {"id": "C040BRX"},
               "actions": [{"action_id": action_id, "value": button_value("NYPD-1",
                                                                          "brag-mott-haven"),
                            "action_ts": f"{time.time():.6f}", "type": "button"}]}
    body = urlencode({"payload": json.dumps(payload)})
    assert (await client.post("/slack/events", data=body, headers=signed_headers(body))).status \
        == 200
    return (await slack.wait_for_response(before + 1))[-1].body["text"]


# SMS "1A": only someone paged for the alert holds its number. Supervisors and coordinators
# are paged when it escalates (tested in test_responses); before that they act in Slack.
@pytest.mark.parametrize(("who", "acts"), [
    ("stranger", False), ("resident", False), ("other team member", False), ("member", True),
    ("supervisor", False), ("coordinator", False)])
async def test_acknowledging_by_sms(incident, client, twilio, port, who, acts):
    answer = await sms(twilio, port, PEOPLE[who][0], "1A")
    assert ("acknowledged" in await actions_by(client, NAMES.get(who, who))) is acts
    assert "WILLIS" not in answer  # nobody learns about an incident by texting
    if who in ("stranger", "resident"):
        assert answer.startswith("This number sends Crisis Management System alerts")


@pytest.mark.parametrize(("who", "acts"), [
    ("stranger", False), ("other team member", False), ("member", True), ("supervisor", True),
    ("coordinator", True)])
@pytest.mark.parametrize("way", ["command", "button"])
async def test_acknowledging_in_slack(incident, client, slack, who, acts, way):
    user = PEOPLE[who][1]
    if way == "command":
        answer = await slash(client, slack, user, "ack NYPD-1")
    else:
        answer = await button(client, slack, user, "cms_ack")
    assert ("acknowledged" in await actions_by(client, NAMES.get(who, who))) is acts
    assert answer.startswith("You acknowledged") is acts


@pytest.mark.parametrize(("who", "allowed"), [
    ("stranger", set()),
    ("other team member", {"help", "incidents", "oncall", "takedowns"}),
    ("member", {"help", "incidents", "roster", "oncall", "takedowns"}),
    ("supervisor", {"help", "incidents", "roster", "oncall", "takedowns"}),
    ("coordinator", {"help", "incidents", "roster", "oncall", "takedowns", "takedown",
                     "broadcast"}),
])
async def test_slack_commands(incident, client, slack, who, allowed):
    commands = {"help": "help", "incidents": "incidents", "roster": "roster brag-mott-haven",
                "oncall": "oncall", "takedowns": "takedowns",
                "takedown": "takedown brag-mott-haven tomorrow",
                "broadcast": "broadcast nta:BX39 Community meeting tonight"}
    refusals = ("not on the CMS roster", "Only coordinators")
    for name, text in commands.items():
        answer = await slash(client, slack, PEOPLE[who][1], text)
        refused = any(refusal in answer for refusal in refusals)
        assert refused is (name not in allowed and name != "help"), (name, answer)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/incidents", BRONX), ("GET", "/api/incidents/NYPD-1", None),
    ("GET", "/api/roster", None), ("GET", "/api/takedowns", None),
    ("POST", "/api/takedowns", {"area": "brag-mott-haven", "date": "tomorrow"}),
    ("GET", "/api/takedowns/TD-1", None), ("PATCH", "/api/takedowns/TD-1", {"date": "today"}),
    ("POST", "/api/takedowns/TD-1/cancel", None), ("POST", "/api/takedowns/TD-1/confirm", None),
])
@pytest.mark.parametrize("token", [None, "wrong-token", API_TOKEN])
async def test_api_routes_need_the_token(client, method, path, body, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.request(method, path, json=body, headers=headers)
    assert (response.status == 401) is (token != API_TOKEN), await response.text()


@pytest.mark.parametrize("path", ["/dashboard/api/map", "/dashboard/api/changes",
                                  "/dashboard/api/incidents/NYPD-1", "/dashboard/api/report",
                                  "/dashboard/api/report.csv"])
@pytest.mark.parametrize("token", [None, API_TOKEN])
async def test_dashboard_data_needs_a_session_not_the_api_token(client, path, token):
    # The ingest token is for machines; the dashboard is for people signed in from Slack.
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.get(path, headers=headers)
    assert response.status == 401, await response.text()


@pytest.mark.parametrize("path", ["/", "/reports"])
async def test_dashboard_pages_without_a_session_send_you_to_sign_in(client, path):
    response = await client.get(path, headers=AUTH, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/signin"


async def test_the_ingest_token_is_compared_in_constant_time():
    assert "hmac.compare_digest" in inspect.getsource(auth.require_bearer)


async def test_a_slack_request_without_a_signature_is_refused(client, slack):
    body = urlencode({"command": "/cms", "text": "incidents", "user_id": "U0COORD1",
                      "response_url": slack.response_url("x"), "trigger_id": "t"})
    response = await client.post("/slack/events", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 401 and slack.responses == []


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/status", "/slack/events",
                                  "/api/incidents", "/api/takedowns"])
async def test_an_oversized_body_is_refused_before_it_is_read(client, path):
    response = await client.post(path, data=b"x" * 1_000_000, headers={
        **AUTH, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 413


async def test_hostile_text_is_stored_verbatim_and_shown_escaped(client, work, slack):
    hostile = "'; DROP TABLE incidents;-- <script>alert(1)</script> <!channel> \u0007\u202e"
    response = await client.post("/api/incidents", json={**BRONX, "location": hostile},
                                 headers=AUTH)
    assert response.status == 202
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    assert shown["location"] == hostile
    await work()
    post = str(next(p for p in slack.posts if p["channel"] == "C040BRX")["blocks"])
    assert "<script>" not in post and "<!channel>" not in post
    assert "&lt;script&gt;" in post and "DROP TABLE" in post


# Two shootings 325 m and ten minutes apart, each inside one team's catchment only: East New
# York's (Ray's team) and Brownsville's. They are linked as possible retaliation.
ENY = {"id": "NYPD-ENY1", "lat": 40.6745, "lon": -73.9040, "location": "LIVONIA AVE & WARWICK ST"}
BVL = {"id": "NYPD-BVL1", "lat": 40.6720, "lon": -73.9060, "location": "BRISTOL ST & RIVERDALE AVE"}
TASHA = "+12125550173"  # Brownsville's interrupter


async def test_a_link_to_another_teams_incident_says_only_a_nearby_incident(client, work, slack,
                                                                           twilio, clock):
    for shooting, minutes_ago, team in ((ENY, 20, "man-up-eny"), (BVL, 10, "bivo-brownsville")):
        moment = (clock.now - timedelta(minutes=minutes_ago)).isoformat()
        response = await client.post("/api/incidents", json={**shooting, "occurred_at": moment},
                                     headers=AUTH)
        assert response.status == 202 and (await response.json())["teams"] == [team]
    await work()
    api = await (await client.get("/api/incidents/NYPD-ENY1", headers=AUTH)).text()
    assert "linked to NYPD-BVL1" in api  # the link is there, for those who may see it
    assert all("NYPD-ENY1" not in m.body for m in twilio.sent_to(TASHA))  # SMS name no link
    # Ray acts; his team's post is redrawn with the timeline, the link event on it.
    assert (await slash(client, slack, "U0RAYORT", "ack NYPD-ENY1")).startswith("You acknowledged")
    await work()
    post = str([u for u in slack.updates if u["channel"] == "C075ENY"][-1]["blocks"])
    assert "possible retaliation (linked to a nearby incident: " in post
    assert "NYPD-BVL1" not in post
    # The dashboard: Ray may not open NYPD-BVL1, so NYPD-ENY1's timeline does not name it.
    await sign_in(client, slack, "U0RAYORT")
    assert (await client.get("/dashboard/api/incidents/NYPD-BVL1")).status == 404
    mine = await client.get("/dashboard/api/incidents/NYPD-ENY1")
    assert mine.status == 200
    shown = await mine.text()
    assert "linked to a nearby incident: " in shown and "NYPD-BVL1" not in shown
    # Coordinators see everything, as before.
    await sign_in(client, slack, "U0COORD1")
    assert "linked to NYPD-BVL1: " in await (await client.get(
        "/dashboard/api/incidents/NYPD-ENY1")).text()


NO_SUCH = "No incident `{}`. `/cms incidents` lists yours."


async def test_incidents_are_named_by_whole_ids_or_your_own_numbers_never_by_a_suffix(client, work,
                                                                                     slack):
    response = await client.post("/api/incidents", json={**BRONX, "id": "NYPD-T3BRAG77"},
                                 headers=AUTH)
    assert response.status == 202
    await work()
    # Another team's id and an id that does not exist get the same answer: ids cannot be probed.
    assert await slash(client, slack, "U0RAYORT", "ack NYPD-T3BRAG77") == \
        NO_SUCH.format("NYPD-T3BRAG77")
    assert await slash(client, slack, "U0RAYORT", "ack NYPD-NONE77") == NO_SUCH.format("NYPD-NONE77")
    for user in ("U0RAYORT", "U0LUISFE", "U0COORD1"):  # a suffix finds nothing, for anyone
        assert await slash(client, slack, user, "log 77 where is it") == NO_SUCH.format("77")
    # Luis's own alert is his #1; a supervisor types the whole id, in any case.
    assert (await slash(client, slack, "U0LUISFE", "ack #1")).startswith(
        "You acknowledged `NYPD-T3BRAG77`")
    assert (await slash(client, slack, "U0VICTOR", "log nypd-t3brag77 on my way")) == \
        "Note added to `NYPD-T3BRAG77`."


async def test_a_takedown_plan_you_may_not_see_is_answered_as_one_that_does_not_exist(client,
                                                                                      slack):
    assert (await slash(client, slack, "U0COORD1", "takedown brag-mott-haven tomorrow")) \
        .startswith("*TD-1*")
    # Ray: another team's plan. Luis: his team's, but confidential until its date.
    for user in ("U0RAYORT", "U0LUISFE"):
        hidden = await slash(client, slack, user, "takedowns TD-1")
        missing = await slash(client, slack, user, "takedowns TD-2")
        assert hidden == "No takedown `TD-1` that you can see."
        assert missing == "No takedown `TD-2` that you can see."
