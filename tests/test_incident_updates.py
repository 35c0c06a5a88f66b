"""Incidents that change after the first report, end to end: PATCH /api/incidents/{id} and a
re-post of the same id through the API with its token, a real rq worker, the Twilio and Slack
doubles, one clock. A change that matters reaches those already paged once, in short; a
corrected place pages the teams that now cover it and releases those that no longer do."""

from datetime import timedelta

from tests.clock import from_start
from tests.conftest import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
# In the sample sites, this point is in brag-mott-haven's catchment only.
BRONX = {"id": "NYPD-1", "occurred_at": from_start(-timedelta(minutes=5)), "lat": 40.8105,
         "lon": -73.9235, "precinct": 40, "location": "E 138 ST & WILLIS AVE", "victims": 1}
LUIS, GRACE, VICTOR = "+13475550140", "+13475550141", "+13475550142"  # Victor: supervisor
ANDRE = "+12125550178"  # man-up-eny's hospital responder at Brookdale
RAY = "+12125550175"  # man-up-eny's interrupter: East New York, not the hospital
ERICA, PAUL = "+17185550113", "+17185550114"  # life-camp-jamaica, Paul its supervisor
DANA = "+12125550100"  # a coordinator
# Inside life-camp-jamaica's circle in South Jamaica, far from Mott Haven.
JAMAICA = {"lat": 40.6915, "lon": -73.7925, "precinct": 113, "location": "SUTPHIN BLVD & 107 AV"}


async def alert(client, work, incident=BRONX):
    response = await client.post("/api/incidents", json=incident, headers=AUTH)
    assert response.status == 202, await response.text()
    await work()
    return await response.json()


async def patch(client, body, incident_id="NYPD-1"):
    return await client.patch(f"/api/incidents/{incident_id}", json=body, headers=AUTH)


async def shown(client, incident_id="NYPD-1"):
    return await (await client.get(f"/api/incidents/{incident_id}", headers=AUTH)).json()


def bodies(twilio, number):
    return [m.body for m in twilio.sent_to(number)]


def updates_to(twilio, number):
    return [body for body in bodies(twilio, number) if "UPDATE" in body]


async def test_a_victims_death_texts_each_member_paged_once_and_redraws_the_post(
        client, work, twilio, slack):
    await alert(client, work)
    response = await patch(client, {"fatal": True})
    assert response.status == 200
    body = await response.json()
    assert body["changed"] == ["fatal"] and body["fatal"] is True and body["id"] == "NYPD-1"
    await work()
    for member in (LUIS, GRACE):
        assert updates_to(twilio, member) == ["CMS UPDATE #1: now FATAL"]
    assert updates_to(twilio, VICTOR) == []  # not paged (supervisors come in at escalation)
    redrawn = [u for u in slack.updates if u["channel"] == "C040BRX"][-1]
    assert "FATAL" in str(redrawn["blocks"])
    assert len(slack.posts) == 1  # redrawn in place
    events = [(e["actor"], e["action"], e["detail"]) for e in (await shown(client))["timeline"]]
    assert ("feed", "updated", "fatal false -> true") in events


async def test_the_same_patch_twice_texts_once(client, work, twilio):
    await alert(client, work)
    first = await (await patch(client, {"fatal": True, "victims": 2})).json()
    again = await patch(client, {"fatal": True, "victims": 2})
    assert first["changed"] == ["fatal", "victims"]
    assert again.status == 200 and (await again.json())["changed"] == []
    await work()
    assert updates_to(twilio, LUIS) == ["CMS UPDATE #1: now FATAL; 2 victims"]
    assert updates_to(twilio, GRACE) == ["CMS UPDATE #1: now FATAL; 2 victims"]


async def test_a_repost_with_a_new_victim_count_is_an_update_not_a_duplicate(
        client, work, twilio):
    await alert(client, work)
    response = await client.post("/api/incidents", json={**BRONX, "victims": 2}, headers=AUTH)
    body = await response.json()
    assert response.status == 202
    assert body["duplicate"] is False and body["changed"] == ["victims"]
    await work()
    assert updates_to(twilio, LUIS) == ["CMS UPDATE #1: 2 victims"]
    assert updates_to(twilio, GRACE) == ["CMS UPDATE #1: 2 victims"]
    assert (await shown(client))["victims"] == 2


async def test_an_unchanged_repost_is_still_a_duplicate_and_sends_nothing(
        client, work, twilio, slack):
    await alert(client, work)
    sent, posted, redrawn = len(twilio.messages), len(slack.posts), len(slack.updates)
    response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    body = await response.json()
    assert body["duplicate"] is True and "changed" not in body
    await work()
    assert (len(twilio.messages), len(slack.posts), len(slack.updates)) == (sent, posted, redrawn)
    assert not any(e["action"] == "updated" for e in (await shown(client))["timeline"])


async def test_a_repost_that_leaves_a_field_out_does_not_clear_it(client, work, twilio):
    await alert(client, work, {**BRONX, "hospital": "Lincoln", "fatal": True})
    response = await client.post("/api/incidents", json=BRONX, headers=AUTH)
    assert (await response.json())["duplicate"] is True
    view = await shown(client)
    assert view["hospital"] == "Lincoln" and view["fatal"] is True


async def test_a_newly_known_hospital_pages_its_hospital_responders(client, work, twilio):
    await alert(client, work)
    assert twilio.sent_to(ANDRE) == []
    body = await (await patch(client, {"hospital": "Brookdale Hospital"})).json()
    assert body["changed"] == ["hospital"]
    assert "man-up-eny" in [team["team_id"] for team in body["teams"]]
    await work()
    alerts = bodies(twilio, ANDRE)
    assert len(alerts) == 1 and alerts[0].startswith("CMS ALERT #1")
    assert twilio.sent_to(RAY) == []  # the hospital's responders only, not the whole team
    assert updates_to(twilio, LUIS) == ["CMS UPDATE #1: hospital Brookdale Hospital"]
    assert updates_to(twilio, ANDRE) == []  # their alert already says it


async def test_corrected_coordinates_page_the_new_team_and_release_the_old_one(
        client, work, twilio, slack, clock):
    await alert(client, work)
    body = await (await patch(client, JAMAICA)).json()
    assert set(body["changed"]) == {"lat", "lon", "precinct", "location"}
    await work()
    assert bodies(twilio, ERICA)[0].startswith("CMS ALERT #1")
    assert "SUTPHIN BLVD & 107 AV" in bodies(twilio, ERICA)[0]
    assert any(post["channel"] == "C113JAM" for post in slack.posts)
    told = "CMS UPDATE #1: corrected location is outside your area; no need to go"
    assert updates_to(twilio, LUIS) == [told] and updates_to(twilio, GRACE) == [told]
    teams = {team["team_id"]: team for team in (await shown(client))["teams"]}
    assert set(teams) == {"brag-mott-haven", "life-camp-jamaica"}
    # Past both escalation steps: the released team's chain never fires, the new team's does.
    clock.advance(timedelta(minutes=25))
    await work()
    assert twilio.sent_to(VICTOR) == []
    assert [b for b in bodies(twilio, PAUL) if "ESCALATION" in b]
    assert not [b for b in bodies(twilio, DANA) if "ESCALATION #" in b and "Bronx" in b]
    # Their alert number is free again: the released page is closed.
    view = await shown(client)
    assert {p["name"]: p["open"] for p in view["pages"]}["Luis Feliz"] is False
    assert any(e["action"] == "released" and e["team"] == "brag-mott-haven"
               for e in view["timeline"])


async def test_bad_patch_bodies_are_400s_that_name_the_field_and_change_nothing(
        client, work, twilio):
    await alert(client, work)
    before = await shown(client)
    sent = len(twilio.messages)
    for body, field in (({"victims": "many"}, "victims"), ({"fatal": "yes"}, "fatal"),
                        ({"lat": 95}, "lat"), ({"lon": "west"}, "lon"),
                        ({"lat": None, "lon": None, "precinct": None}, "lat"),
                        ({"victim": 2}, "victim"), ({}, "body"), ([1, 2], "body"),
                        ({"id": "NYPD-2", "fatal": True}, "id"),
                        ({"occurred_at": "yesterday"}, "occurred_at")):
        response = await patch(client, body)
        assert response.status == 400, body
        answer = await response.json()
        assert answer["field"] == field and answer["error"].startswith(field)
    await work()
    assert len(twilio.messages) == sent
    assert await shown(client) == before


async def test_patch_needs_the_token_and_a_known_id(client):
    assert (await client.patch("/api/incidents/NYPD-1", json={"fatal": True})).status == 401
    response = await patch(client, {"fatal": True}, "NYPD-404")
    assert response.status == 404 and "NYPD-404" in (await response.json())["error"]
