"""A shooting reported by a person before the feed has it: `/cms new` in Slack opens a form, and
what a coordinator or supervisor submits goes through the same ingest path as the feed's,
pages the team it names, and keeps who reported it. Signed Slack requests, a real worker."""

import json
import re
import time
from urllib.parse import urlencode

from tests.handlers.test_dashboard import sign_in
from tests.slack_requests import signed_headers
from tests.test_responses import AUTH, GRACE, LUIS, bodies, timeline

COORDINATOR, VICTOR_SLACK, LUIS_SLACK = "U0COORD1", "U0VICTOR", "U0LUISFE"


async def type_new(client, slack, user):
    body = urlencode({"command": "/cms", "text": "new", "user_id": user, "team_id": "T0CMS",
                      "channel_id": "C0CMSHQ", "trigger_id": f"trigger-{time.time()}",
                      "response_url": slack.response_url(f"new{time.time()}")})
    response = await client.post("/slack/events", data=body, headers=signed_headers(body))
    assert response.status == 200


async def submit(client, view, user, **values):
    """Fill the modal's fields (text by block id; `fatal=True` ticks the box) and send it."""
    state = {name: {name: {"value": value}} for name, value in values.items()
             if name not in ("source", "fatal")}
    state["source"] = {"source": {"selected_option": {"value": values.get("source",
                                                                           "hospital-call")}}}
    state["fatal"] = {"fatal": {"selected_options": [{"value": "fatal"}] if values.get("fatal")
                                else []}}
    filled = {**view, "id": view.get("id", "V0FORM1"), "state": {"values": state}}
    payload = {"type": "view_submission", "user": {"id": user}, "team": {"id": "T0CMS"},
               "trigger_id": f"trigger-v{time.time()}", "view": filled}
    body = urlencode({"payload": json.dumps(payload)})
    response = await client.post("/slack/events", data=body, headers=signed_headers(body))
    assert response.status == 200
    text = await response.text()
    return json.loads(text) if text else {}


async def opened_form(client, slack, user=COORDINATOR):
    await type_new(client, slack, user)
    view = (await slack.wait_for("views.open", 1))[-1].args["view"]
    assert view["callback_id"] == "cms_new"
    return view


async def test_a_coordinators_report_pages_the_team_it_names(client, work, twilio, slack):
    view = await opened_form(client, slack)
    answer = await submit(client, view, COORDINATOR, place="brag-mott-haven",
                          cross_streets="E 140 St & Willis Ave", time="now", victims="1",
                          source="hospital-call")
    assert answer == {}  # the modal closes
    said = (await slack.wait_for("chat.postEphemeral", 1))[-1].args["text"]
    assert said.startswith("Reported as *CMS-") and "brag-mott-haven paged" in said
    await work()
    for member in (LUIS, GRACE):
        (alert,) = bodies(twilio, member)
        assert alert.startswith("CMS ALERT #1: Shooting, 1 victim")
        assert "E 140 ST & WILLIS AVE (BRONX RISES AGAINST GUN VIOLENCE (MOTT HAVEN))" in alert
    incident_id = said.split("*")[1]
    shown = await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()
    assert (shown["source"], shown["verified"]) == ("hospital-call", False)
    assert ("Dana Reyes", "reported") in await timeline(client, incident_id)


async def test_a_supervisor_may_report_by_coordinates_and_they_route_as_the_feeds_would(
        client, work, twilio, slack):
    view = await opened_form(client, slack, VICTOR_SLACK)
    await submit(client, view, VICTOR_SLACK, place="40.8105, -73.9235", victims="0",
                 source="community-tip")
    await work()
    assert bodies(twilio, LUIS)[0].startswith("CMS ALERT #1: Shooting, shots fired, no one hit")


async def test_a_form_sent_twice_is_one_report(client, work, twilio, slack):
    view = await opened_form(client, slack)
    await submit(client, view, COORDINATOR, place="brag-mott-haven")
    await submit(client, view, COORDINATOR, place="brag-mott-haven")
    said = [call.args["text"] for call in await slack.wait_for("chat.postEphemeral", 2)]
    assert said[1].endswith("was already reported.")
    await work()
    assert len(bodies(twilio, LUIS)) == 1


async def test_a_place_it_cannot_find_is_shown_on_the_form_and_nothing_is_sent(
        client, work, twilio, slack):
    view = await opened_form(client, slack)
    answer = await submit(client, view, COORDINATOR, place="behind the bodega")
    assert answer["response_action"] == "errors"
    assert "is not a team, precinct:N, nta:CODE, zip:N or coordinates" in answer["errors"]["place"]
    answer = await submit(client, view, COORDINATOR, place="zip:10454", victims="lots")
    assert "a number of victims" in answer["errors"]["victims"]
    await work()
    assert twilio.messages == []


async def test_a_member_who_is_not_a_supervisor_is_told_and_gets_no_form(client, slack):
    before = len(slack.responses)
    await type_new(client, slack, LUIS_SLACK)
    answer = (await slack.wait_for_response(before + 1))[-1].body["text"]
    assert answer == "Only coordinators and supervisors can report a shooting."
    assert [call for call in slack.calls if call.method == "views.open"] == []


async def form_page(client):
    page = await (await client.get("/report")).text()
    fields = dict(re.findall(r'name="(csrf|nonce)" value="([^"]+)"', page))
    return page, fields


async def test_the_dashboard_form_reports_as_the_signed_in_person(client, work, twilio, slack):
    await sign_in(client, slack, COORDINATOR)
    page, hidden = await form_page(client)
    assert '<label for="place">Where</label>' in page and "Report and page" in page
    form = {**hidden, "place": "zip:10454", "cross_streets": "E 140 St & Willis Ave",
            "time": "now", "victims": "2", "fatal": "yes", "source": "community-tip"}
    done = await client.post("/report", data=form)
    text = await done.text()
    assert done.status == 200 and "Reported as CMS-" in text and "brag-mott-haven paged" in text
    again = await client.post("/report", data=form)  # the same form sent twice
    assert "was already reported" in await again.text()
    await work()
    (alert,) = bodies(twilio, LUIS)
    assert alert.startswith("CMS ALERT #1: Shooting, 2 victims, FATAL")
    incident_id = re.search(r"Reported as (CMS-\w+)", text).group(1)
    assert ("Dana Reyes", "reported") in await timeline(client, incident_id)


async def test_the_dashboard_form_keeps_what_was_typed_and_says_what_is_wrong(client, slack,
                                                                              twilio):
    await sign_in(client, slack, COORDINATOR)
    _, hidden = await form_page(client)
    wrong = await client.post("/report", data={**hidden, "place": "zip:10454", "time": "25:99"})
    page = await wrong.text()
    assert wrong.status == 400
    assert 'aria-invalid=true' in page and "a clock time like 23:15" in page
    assert 'value="zip:10454"' in page
    refused = await client.post("/report", data={"csrf": "forged", "place": "zip:10454"})
    assert refused.status == 403
    assert twilio.messages == []


async def test_a_member_who_is_not_a_supervisor_cannot_use_the_dashboard_form(client, slack):
    await sign_in(client, slack, LUIS_SLACK)
    page = await client.get("/report")
    assert page.status == 403
    assert "Only coordinators and supervisors can report a shooting." in await page.text()
