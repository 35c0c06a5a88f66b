"""The same shooting reported by two sources, end to end: the API with its token, Slack button
presses signed as Slack signs them, a real rq worker, the doubles, one clock. A second report
pages nobody twice and is never called a retaliation; the coordinators merge it or keep it
separate; a team only the second report covers is paged at once."""

import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from alerts.slack_blocks import button_value
from tests import test_responses as responses
from tests.clock import from_start
from tests.conftest import API_TOKEN
from tests.slack_requests import signed_headers

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
# In the sample sites, this point is in brag-mott-haven's catchment only.
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1,
         "source": "nypd-patrol"}
# The same shooting called in from the hospital: 50 m north, told 5 minutes later.
HOSPITAL = {**BRONX, "id": "LINCOLN-7", "occurred_at": from_start(timedelta(0)), "lat": 40.81095,
            "source": "lincoln-er"}
LUIS, GRACE = "+13475550140", "+13475550141"
TASHA = "+12125550173"  # bivo-brownsville
RAY = "+12125550175"  # man-up-eny
COORDINATOR, LUIS_SLACK = "U0COORD1", "U0LUISFE"
HQ = "C0CMSHQ"


@pytest.fixture
def click(client, slack):
    """Press a button of a post as a Slack user; returns the ephemeral answer."""
    count = {"n": 0}

    async def run(action_id: str, user: str = COORDINATOR, incident_id: str = "LINCOLN-7") -> str:
        count["n"] += 1
        payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T0CMS"},
                   "channel": {"id": HQ}, "trigger_id": f"trigger-d{count['n']}",
                   "response_url": slack.response_url(f"dup{count['n']}"),
                   "container": {"type": "message", "message_ts": "1.0"},
                   "actions": [{"action_id": action_id, "block_id": "cms_duplicate",
                                "value": button_value(incident_id, None), "type": "button",
                                "action_ts": f"{time.time():.6f}"}]}
        body = urlencode({"payload": json.dumps(payload)})
        before = len(slack.responses)
        response = await client.post("/slack/events", data=body, headers=signed_headers(body))
        assert response.status == 200
        return (await slack.wait_for_response(before + 1))[-1].body["text"]
    return run


async def alert(client, work, incident=BRONX):
    return await responses.alert(client, work, incident)  # this file's BRONX names its source


async def shown(client, incident_id):
    return await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()


async def timeline(client, incident_id):
    return [(e["action"], e["detail"]) for e in (await shown(client, incident_id))["timeline"]]


def bodies(twilio, number):
    return [m.body for m in twilio.sent_to(number)]


def alerts_to(twilio, number):
    return [body for body in bodies(twilio, number) if body.startswith("CMS ALERT")]


def buttons(message):
    return [e["text"]["text"] for block in message["blocks"] if block["type"] == "actions"
            for e in block["elements"]]


def last_of(slack, channel):
    """The post in the channel as it is drawn now (its latest update, else as posted)."""
    drawn = [u for u in slack.updates if u["channel"] == channel] or \
        [p for p in slack.posts if p["channel"] == channel]
    return drawn[-1]


async def test_a_second_report_pages_nobody_twice_and_asks_the_coordinators(client, work,
                                                                             twilio, slack):
    await alert(client, work)
    body = await alert(client, work, HOSPITAL)
    assert body["possible_duplicate_of"] == "NYPD-1" and body["paged"] is False
    for member in (LUIS, GRACE):
        assert len(alerts_to(twilio, member)) == 1
        assert [b for b in bodies(twilio, member) if "second report" in b] == [
            "CMS #1: second report from lincoln-er; same shooting, no new alert"]
    everything = [m.body for m in twilio.messages] + [str(p["blocks"]) for p in slack.posts]
    assert not any("RETALIATION" in text for text in everything)
    assert (await shown(client, "NYPD-1"))["links"] == []
    post = next(p for p in slack.posts if p["channel"] == HQ)
    assert "Merge" in buttons(post) and "Keep separate" in buttons(post)
    assert "POSSIBLE DUPLICATE of NYPD-1" in str(post["blocks"])
    assert ("second report", "from lincoln-er: LINCOLN-7") in await timeline(client, "NYPD-1")
    assert any(action == "possible duplicate" and detail.startswith("of NYPD-1 from nypd-patrol")
               for action, detail in await timeline(client, "LINCOLN-7"))


async def test_merge_ends_the_second_report_pointing_at_the_first(client, work, twilio, slack,
                                                                   click):
    await alert(client, work)
    await alert(client, work, HOSPITAL)
    answer = await click("cms_merge")
    assert answer.startswith("Merged `LINCOLN-7` into `NYPD-1`")
    await work()
    report = await shown(client, "LINCOLN-7")
    assert report["status"] == "merged"
    assert ("merged", "into NYPD-1") in await timeline(client, "LINCOLN-7")
    assert ("merged", "LINCOLN-7 from lincoln-er") in await timeline(client, "NYPD-1")
    redrawn = last_of(slack, HQ)
    assert "MERGED into NYPD-1" in str(redrawn["blocks"]) and buttons(redrawn) == []
    # Pressing again, or the other button, does nothing more.
    assert "merged already" in await click("cms_merge")
    assert "merged already" in await click("cms_separate")
    await work()
    assert len(alerts_to(twilio, LUIS)) == 1


async def test_keep_separate_pages_the_team_for_it_and_links_it(client, work, twilio, slack,
                                                                 click):
    await alert(client, work)
    await alert(client, work, HOSPITAL)
    answer = await click("cms_separate")
    assert answer.startswith("Kept `LINCOLN-7` separate: 2 paged, 1 linked")
    await work()
    second = alerts_to(twilio, LUIS)[-1]
    assert len(alerts_to(twilio, LUIS)) == 2 and second.startswith("CMS ALERT #2")
    assert "POSSIBLE RETALIATION" in second
    assert (await shown(client, "LINCOLN-7"))["links"][0]["incident"] == "NYPD-1"
    assert ("kept separate", "not a second report of NYPD-1") in await timeline(client,
                                                                                 "LINCOLN-7")
    assert buttons(last_of(slack, HQ)) and "Merge" not in buttons(last_of(slack, HQ))
    assert "already" in await click("cms_merge")


async def test_only_coordinators_may_merge_or_keep_separate(client, work, click):
    await alert(client, work)
    await alert(client, work, HOSPITAL)
    assert await click("cms_merge", LUIS_SLACK) == (
        "Only coordinators can merge a second report or keep it separate.")
    assert (await shown(client, "LINCOLN-7"))["status"] == "open"


async def test_the_same_source_nearby_is_another_shooting_and_a_possible_retaliation(
        client, work, twilio, slack):
    await alert(client, work)
    body = await alert(client, work, {**HOSPITAL, "id": "NYPD-2", "source": "nypd-patrol"})
    assert "possible_duplicate_of" not in body
    assert len(alerts_to(twilio, LUIS)) == 2
    assert "POSSIBLE RETALIATION: 50 m" in alerts_to(twilio, LUIS)[-1]
    assert not any(p["channel"] == HQ for p in slack.posts)


async def test_a_second_report_that_also_covers_another_team_pages_that_team_at_once(
        client, work, twilio):
    # In Brownsville's circle, 126 m west of East New York's square (its buffer is 50 m)...
    first = {**BRONX, "lat": 40.665, "lon": -73.9065, "precinct": 73, "location": "A"}
    await alert(client, work, first)
    assert len(alerts_to(twilio, TASHA)) == 1 and alerts_to(twilio, RAY) == []
    # ...and 100 m east of it, inside East New York's buffer too.
    second = {**first, "id": "LINCOLN-7", "lon": -73.9053, "source": "lincoln-er",
              "occurred_at": from_start(timedelta(0))}
    body = await alert(client, work, second)
    assert body["possible_duplicate_of"] == "NYPD-1" and body["teams"] == ["man-up-eny"]
    assert len(alerts_to(twilio, TASHA)) == 1  # Brownsville was paged for the first
    ray = alerts_to(twilio, RAY)
    assert len(ray) == 1 and "RETALIATION" not in ray[0]
