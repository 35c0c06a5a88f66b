"""Slack end to end: requests signed as Slack signs them, dispatched through the app over HTTP,
and what the real `slack_sdk` then sends to the Slack API double: posts, updates, answers."""

import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from alerts.slack_blocks import button_value
from tests.clock import from_start
from tests.conftest import API_TOKEN
from tests.slack_requests import signed_headers

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1}
LUIS, GRACE = "+13475550140", "+13475550141"
COORDINATOR, LUIS_SLACK, RAY_SLACK, STRANGER = "U0COORD1", "U0LUISFE", "U0RAYORT", "U0NOBODY"


@pytest.fixture
def cms(client, slack):
    """Type `/cms text` as a Slack user; returns the ephemeral answer."""
    count = {"n": 0}

    async def run(text: str, user: str = COORDINATOR, **header_options) -> str:
        count["n"] += 1
        body = urlencode({"command": "/cms", "text": text, "user_id": user, "team_id": "T0CMS",
                          "channel_id": "C0CMSHQ", "trigger_id": f"trigger-{count['n']}",
                          "response_url": slack.response_url(f"cmd{count['n']}")})
        before = len(slack.responses)
        response = await client.post("/slack/events", data=body, headers=signed_headers(
            body, **header_options))
        assert response.status == 200
        answers = await slack.wait_for_response(before + 1)
        return answers[-1].body["text"]
    return run


@pytest.fixture
def click(client, slack):
    """Press a button on the incident post as a Slack user; returns the HTTP response."""
    count = {"n": 0}

    async def run(action_id: str, user: str, incident_id: str = "NYPD-1",
                  team: str | None = "brag-mott-haven"):
        count["n"] += 1
        payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T0CMS"},
                   "channel": {"id": "C040BRX"}, "trigger_id": f"trigger-b{count['n']}",
                   "response_url": slack.response_url(f"btn{count['n']}"),
                   "container": {"type": "message", "message_ts": "1.0"},
                   "actions": [{"action_id": action_id, "block_id": "cms_actions",
                                "value": button_value(incident_id, team), "type": "button",
                                "action_ts": f"{time.time():.6f}"}]}
        body = urlencode({"payload": json.dumps(payload)})
        return await client.post("/slack/events", data=body, headers=signed_headers(body))
    return run


async def submit(client, view: dict, user: str):
    payload = {"type": "view_submission", "user": {"id": user}, "team": {"id": "T0CMS"},
               "trigger_id": f"trigger-v{time.time()}", "view": view}
    body = urlencode({"payload": json.dumps(payload)})
    return await client.post("/slack/events", data=body, headers=signed_headers(body))


async def alert(client, work):
    response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    assert response.status == 202
    await work()


def team_post(slack, channel="C040BRX"):
    return next(post for post in slack.posts if post["channel"] == channel)


def latest_update(slack, channel="C040BRX"):
    return [u for u in slack.updates if u["channel"] == channel][-1]


async def test_the_alert_post_carries_the_incident_and_four_buttons(client, work, slack):
    await alert(client, work)
    post = team_post(slack)
    actions = next(block for block in post["blocks"] if block["type"] == "actions")
    assert [e["text"]["text"] for e in actions["elements"]] == ["Acknowledge", "On scene",
                                                               "Need support", "Close"]
    assert "E 138 ST &amp; WILLIS AVE, Pct 40" in str(post["blocks"])


async def test_an_sms_acknowledgement_updates_the_post_in_place(client, work, slack, twilio, port):
    await alert(client, work)
    status, _ = await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", LUIS,
                                          "+12125550199", "1A")
    assert status == 200
    await work()
    update = latest_update(slack)  # only accepted updates count: of a post that exists
    assert len(slack.posts) == 1  # updated in place, not posted again
    assert "Luis Feliz: acknowledged (#1)" in str(update["blocks"])
    assert ":eyes: Bronx Rises" in str(update["blocks"])


async def test_a_button_acknowledges_for_the_member_and_texts_the_others(client, work, slack,
                                                                        twilio, click):
    await alert(client, work)
    response = await click("cms_ack", LUIS_SLACK)
    assert response.status == 200  # acked at once; the work happens after the answer
    answer = (await slack.wait_for_response(1))[-1].body
    assert answer["text"].startswith("You acknowledged `NYPD-1`")
    assert answer["response_type"] == "ephemeral"
    await work()
    assert any("Luis Feliz (Bronx Rises" in m.body and "acknowledged" in m.body
               for m in twilio.sent_to(GRACE))
    assert "Luis Feliz: acknowledged" in str(latest_update(slack)["blocks"])


async def test_close_asks_for_the_outcome_then_closes_and_removes_the_buttons(client, work, slack,
                                                                              click):
    await alert(client, work)
    await click("cms_close", LUIS_SLACK)
    opened = await slack.wait_for("views.open", 1)
    view = opened[-1].args["view"]
    assert view["callback_id"] == "cms_close"
    view["state"] = {"values": {"outcome": {"outcome": {"selected_option": {"value": "mediated"}}},
                                "note": {"note": {"value": "families talked"}}}}
    assert (await submit(client, view, LUIS_SLACK)).status == 200
    ephemeral = await slack.wait_for("chat.postEphemeral", 1)
    assert ephemeral[-1].args["text"] == "`NYPD-1` closed (mediated)."
    await work()
    final = latest_update(slack)
    assert "Closed (mediated)" in str(final["blocks"])
    assert not [b for b in final["blocks"] if b["type"] == "actions"]


async def test_need_support_asks_what_is_needed_and_tells_the_coordinators(client, work, slack,
                                                                            twilio, click):
    await alert(client, work)
    await click("cms_need", LUIS_SLACK)
    view = (await slack.wait_for("views.open", 1))[-1].args["view"]
    view["state"] = {"values": {"need": {"need": {"value": "a second team"}}}}
    await submit(client, view, LUIS_SLACK)
    await slack.wait_for("chat.postEphemeral", 1)
    await work()
    assert twilio.sent_to("+12125550100")[0].body.startswith("CMS NEED SUPPORT #1: Luis Feliz")


async def test_cms_help_is_open_to_anyone_and_lists_only_what_works(cms):
    answer = await cms("help", user=STRANGER)
    assert "/cms incidents" in answer and "/cms roster TEAM" in answer
    assert "/cms dashboard" in answer  # it works now (issue 8): the list says so


async def test_someone_not_on_the_roster_can_do_nothing_else(cms, client, work, click, slack):
    await alert(client, work)
    assert "not on the CMS roster" in await cms("incidents", user=STRANGER)
    assert "U0NOBODY" in await cms("ack NYPD-1", user=STRANGER)
    await click("cms_ack", STRANGER)
    assert "not on the CMS roster" in (await slack.wait_for_response(3))[-1].body["text"]


async def test_incidents_lists_what_the_user_may_see(cms, client, work):
    await alert(client, work)
    coordinator = await cms("incidents")
    assert "*Open incidents* (1)" in coordinator and "`NYPD-1`" in coordinator
    assert "brag-mott-haven" in coordinator
    assert await cms("incidents", user=RAY_SLACK) == "No open incidents."  # another team's
    assert "`NYPD-1`" in await cms("incidents", user=LUIS_SLACK)


async def test_ack_log_and_close_by_command(cms, client, work, slack):
    await alert(client, work)
    assert (await cms("ack 1", user=LUIS_SLACK)).startswith("You acknowledged `NYPD-1`")
    assert await cms("log NYPD-1 talked to both crews", user=LUIS_SLACK) == \
        "Note added to `NYPD-1`."
    assert await cms("close NYPD-1 referred", user=LUIS_SLACK) == "`NYPD-1` closed (referred)."
    await work()
    blocks = str(latest_update(slack)["blocks"])
    assert "Luis Feliz: note (talked to both crews)" in blocks and "Closed (referred)" in blocks


async def test_a_second_acknowledgement_by_command_redraws_nothing(cms, client, work, slack):
    await alert(client, work)
    assert (await cms("ack 1", user=LUIS_SLACK)).startswith("You acknowledged `NYPD-1`")
    await work()
    redraws = len(slack.calls_to("chat.update"))
    assert "Luis Feliz: acknowledged" in str(latest_update(slack)["blocks"])
    assert await cms("ack 1", user=LUIS_SLACK) == \
        "#1 was already acknowledged. Reply 1S when on scene."
    await work()
    assert len(slack.calls_to("chat.update")) == redraws


async def test_a_member_of_another_team_cannot_act_on_the_incident(cms, client, work):
    await alert(client, work)
    # The same answer as for an incident that does not exist: a member cannot probe ids.
    assert await cms("ack NYPD-1", user=RAY_SLACK) == \
        "No incident `NYPD-1`. `/cms incidents` lists yours."


async def test_coordinators_see_every_roster_and_members_only_their_own(cms, client, twilio, port):
    await twilio.send_inbound(f"http://127.0.0.1:{port}/twilio/sms", GRACE, "+12125550199", "STOP")
    roster = await cms("roster brag-mott-haven")
    assert "Grace Kim, outreach, ***0141: on shift, OPTED OUT of SMS (STOP)" in roster
    assert "Luis Feliz" in await cms("roster brag-mott-haven", user=LUIS_SLACK)
    assert "Only coordinators" in await cms("roster man-up-eny", user=LUIS_SLACK)
    oncall = await cms("oncall")
    assert "Luis Feliz (interrupter, brag-mott-haven)" in oncall
    assert "Grace Kim" not in oncall  # opted out: not reachable, so not on call
    assert "No team `nope`" in await cms("roster nope")


async def test_mistakes_get_an_ephemeral_answer_saying_what_to_type(cms):
    assert "Usage: `/cms close ID outcome [note]`" in await cms("close NYPD-1")
    assert "I don't know `launch`" in await cms("launch")
    assert "No incident `NYPD-404`" in await cms("ack NYPD-404")


@pytest.mark.parametrize("forgery", [{"secret": "not-the-secret"}, {"age": 6 * 60}])
async def test_a_forged_or_stale_request_is_refused(client, slack, forgery):
    body = urlencode({"command": "/cms", "text": "incidents", "user_id": COORDINATOR,
                      "response_url": slack.response_url("x"), "trigger_id": "t"})
    response = await client.post("/slack/events", data=body,
                                 headers=signed_headers(body, **forgery))
    assert response.status == 401
    assert slack.responses == []


async def test_a_retried_request_is_handled_once(client, slack, work, twilio):
    await alert(client, work)
    body = urlencode({"command": "/cms", "text": "ack NYPD-1", "user_id": LUIS_SLACK,
                      "trigger_id": "trigger-once", "response_url": slack.response_url("once")})
    first = await client.post("/slack/events", data=body, headers=signed_headers(body))
    retry = await client.post("/slack/events", data=body, headers=signed_headers(body, retry=1))
    assert first.status == retry.status == 200
    await slack.wait_for_response(1)
    await work()
    assert len([r for r in slack.responses if r.name == "once"]) == 1
    notices = [m for m in twilio.sent_to(GRACE) if "acknowledged at" in m.body]
    assert len(notices) == 1


async def test_slack_rate_limits_are_waited_out_and_the_post_still_goes(client, work, slack):
    slack.fail_next(1, status=429, retry_after=0)
    await alert(client, work)
    assert {post["channel"] for post in slack.posts} == {"C040BRX"}


async def test_incidents_today_counts_the_days_in_city_time(cms, client, work, clock):
    await alert(client, work)  # Saturday 23:15 in the city
    clock.advance(timedelta(hours=2))  # Sunday 01:20: that was yesterday
    recent = {**BRONX, "id": "NYPD-2", "occurred_at": (clock.now - timedelta(hours=1)).isoformat()}
    assert (await client.post("/api/incidents", json=recent, headers=AUTH)).status == 202
    today = await cms("incidents today")
    assert "*Incidents today* (1)" in today and "`NYPD-2`" in today and "`NYPD-1`" not in today


async def test_a_coordinator_plans_a_takedown_and_members_see_nothing_before_its_date(
        cms, clock, work, twilio):
    answer = await cms("takedown man-up-eny tomorrow after the Linden operation")
    assert answer.startswith("*TD-1*: post-takedown outreach in Man Up! (East New York)")
    assert "scheduled" in answer and "(residents)" in answer
    assert "Only coordinators" in await cms("takedown man-up-eny tomorrow", user=RAY_SLACK)
    assert await cms("takedowns", user=RAY_SLACK) == "No takedown plans."
    assert "*TD-1*" in await cms("takedowns")
    clock.set_local(1, 18, 1)  # its date has come, and its first step with it
    await work()
    assert "*TD-1* Man Up! (East New York)" in await cms("takedowns", user=RAY_SLACK)
    timeline = await cms("takedowns TD-1", user=RAY_SLACK)
    assert "Dana Reyes: planned" in timeline and "cmsbot: step sent" in timeline
    assert any(m.body.startswith("CMS TAKEDOWN #1 (day 0)") for m in twilio.sent_to("+12125550175"))


async def test_past_steps_wait_for_the_coordinators_button(client, cms, slack, work, twilio):
    refused = await cms("takedown precinct:75 yesterday")  # the sample sites have no precincts
    assert refused.startswith("no team covers 'precinct:75'")
    answer = await cms("takedown man-up-eny yesterday")
    assert "3 steps were already past" in answer
    blocks = slack.responses[-1].body["blocks"]
    button = blocks[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("cms_td_confirm", "TD-1")
    await work()
    assert twilio.messages == []
    payload = {"type": "block_actions", "user": {"id": COORDINATOR}, "team": {"id": "T0CMS"},
               "trigger_id": "trigger-confirm", "response_url": slack.response_url("confirm"),
               "actions": [{**button, "action_ts": f"{time.time():.6f}"}]}
    body = urlencode({"payload": json.dumps(payload)})
    assert (await client.post("/slack/events", data=body, headers=signed_headers(body))).status \
        == 200
    await slack.wait_for_response(len(slack.responses) + 1)
    await work()
    late = [m.body for m in twilio.sent_to("+12125550175")]
    assert len(late) == 2 and all(" LATE:" in body for body in late)


async def test_cancel_takedown_is_for_coordinators_and_stops_the_rest(cms, clock, work, twilio):
    await cms("takedown man-up-eny tomorrow")
    assert "Only coordinators" in await cms("cancel-takedown TD-1", user=RAY_SLACK)
    assert "(cancelled)" in await cms("cancel-takedown TD-1")
    clock.set_local(3, 12)
    await work()
    assert twilio.messages == []
    assert "was cancelled" in await cms("cancel-takedown TD-1")


async def test_a_reminder_post_is_confirmed_and_reported_with_its_buttons(client, cms, clock,
                                                                         work, slack, click):
    await cms("takedown TD-9 tomorrow")  # no such plan yet: refused, nothing made
    assert "no takedown TD-9" in slack.responses[-1].body["text"]
    await cms("takedown man-up-eny today")
    assert "*TD-1*" in await cms("takedown TD-1 tomorrow")  # moved a day later
    clock.set_local(1, 18, 1)
    await work()
    post = team_post(slack, "C075ENY")
    labels = [e["text"]["text"] for b in post["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    assert labels == ["Confirm", "Report", "Need support"]
    subject = "TD1-0-man-up-eny"
    await click("cms_ack", RAY_SLACK, subject, "man-up-eny")
    await click("cms_report", RAY_SLACK, subject, "man-up-eny")
    view = (await slack.wait_for("views.open", 1))[-1].args["view"]
    view["state"] = {"values": {"report": {"report": {"value": "spoke with 3 families"}}}}
    await submit(client, view, RAY_SLACK)
    await slack.wait_for("chat.postEphemeral", 1)
    timeline = await cms("takedowns TD-1")
    assert "Ray Ortiz: acknowledged" in timeline
    assert "Ray Ortiz: note (spoke with 3 families)" in timeline
    assert "Dana Reyes: moved" in timeline
