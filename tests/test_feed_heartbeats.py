"""A feed that goes quiet pages the coordinators, end to end: heartbeats and incidents through
the API with its token, a real worker's periodic check, the Twilio and Slack doubles, one clock.

The sample sites here watch one source, nypd-patrol, that must be heard from every 6 hours.
"""

from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from alerts.feeds import FeedSource
from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import LoadedSites, load_sites
from tests.handlers.test_dashboard import sign_in
from tests.handlers.test_operations import metrics
from tests.slack_requests import signed_headers
from tests.test_responses import AUTH, BRONX, DANA, SAM, alert

WATCHED = FeedSource("nypd-patrol", timedelta(hours=6))
COORDINATORS_CHANNEL = "C0CMSHQ"
LUIS_SLACK = "U0LUISFE"  # a member, not a coordinator


@pytest.fixture(scope="module")
def sample_sites() -> LoadedSites:
    """The sample sites, watching nypd-patrol."""
    loaded = load_sites(SAMPLE_SITES)
    return replace(loaded, sites=replace(loaded.sites, sources={WATCHED.name: WATCHED}))


def feed_texts(twilio, number):
    return [m.body for m in twilio.sent_to(number) if m.body.startswith("CMS FEED")]


def feed_posts(slack):
    return [p["text"] for p in slack.posts
            if p["channel"] == COORDINATORS_CHANNEL and p["text"].startswith("CMS FEED")]


async def heartbeat(client, source="nypd-patrol", headers=AUTH):
    return await client.post(f"/api/heartbeat/{source}", headers=headers)


async def silent(client, work, clock):
    """nypd-patrol heard from at 23:20, then nothing for 6 hours and a minute."""
    assert (await heartbeat(client)).status == 204
    await work()
    clock.advance(timedelta(hours=6, minutes=1))
    await work()


async def test_a_source_silent_past_its_window_pages_each_coordinator_once(
        client, work, twilio, slack, clock):
    assert (await heartbeat(client)).status == 204
    await work()
    clock.advance(timedelta(hours=5, minutes=59))
    await work()
    assert feed_texts(twilio, DANA) == [] and feed_posts(slack) == []
    clock.advance(timedelta(minutes=2))
    await work()
    said = ("CMS FEED SILENT: nypd-patrol not heard from since 23:20 (expected within 6h). "
            "A quiet night looks the same: check the feed.")
    assert feed_texts(twilio, DANA) == [said] and feed_texts(twilio, SAM) == [said]
    assert feed_posts(slack) == [said]
    clock.advance(timedelta(hours=3))
    await work()
    await work()
    assert len(feed_texts(twilio, DANA)) == 1 and len(feed_texts(twilio, SAM)) == 1
    assert len(feed_posts(slack)) == 1


async def test_a_heartbeat_brings_feed_back_once(client, work, twilio, slack, clock):
    await silent(client, work, clock)
    clock.advance(timedelta(minutes=11))
    assert (await heartbeat(client)).status == 204
    await work()
    back = "CMS FEED BACK: nypd-patrol heard from again at 05:32, silent 6h 12m"
    assert feed_texts(twilio, DANA)[1:] == [back] and feed_texts(twilio, SAM)[1:] == [back]
    assert feed_posts(slack)[1:] == [back]
    assert (await heartbeat(client)).status == 204
    await work()
    assert len(feed_texts(twilio, DANA)) == 2 and len(feed_posts(slack)) == 2


async def test_an_incident_from_the_source_is_contact_too(client, work, twilio, clock):
    await silent(client, work, clock)
    await alert(client, work, {**BRONX, "source": "nypd-patrol",
                               "occurred_at": clock.now.isoformat()})
    assert feed_texts(twilio, DANA)[-1].startswith("CMS FEED BACK: nypd-patrol heard from again")
    # And it keeps the source alive: 5 hours on, nothing is overdue.
    clock.advance(timedelta(hours=5))
    await work()
    assert len(feed_texts(twilio, DANA)) == 2


async def test_a_source_never_heard_from_counts_from_when_cmsbot_first_saw_it(
        client, work, twilio, clock):
    clock.advance(timedelta(hours=7))  # cmsbot starts late: the feed has had no chance yet
    await work()
    assert feed_texts(twilio, DANA) == []
    clock.advance(timedelta(hours=6, minutes=1))
    await work()
    assert feed_texts(twilio, DANA) == [
        "CMS FEED SILENT: nypd-patrol never heard from since it was listed at 06:20 "
        "(expected within 6h). A quiet night looks the same: check the feed."]


async def test_heartbeats_need_the_token_and_a_listed_source(client):
    assert (await heartbeat(client, headers={"Authorization": "Bearer wrong"})).status == 401
    assert (await heartbeat(client, headers={})).status == 401
    unknown = await heartbeat(client, "csv-replay")
    assert unknown.status == 404
    said = (await unknown.json())["error"]
    assert "no source 'csv-replay'" in said and "nypd-patrol" in said


async def test_metrics_show_seconds_since_each_source_was_heard(client, work, clock):
    assert (await heartbeat(client)).status == 204
    clock.advance(timedelta(minutes=90))
    families, _ = await metrics(client)
    samples = families["cmsbot_source_last_seen_seconds"].samples
    assert [(s.labels, s.value) for s in samples] == [({"source": "nypd-patrol"}, 5400.0)]


async def test_cms_sources_lists_each_source_for_anyone_on_the_roster(
        client, work, slack, clock):
    async def cms(user):
        body = urlencode({"command": "/cms", "text": "sources", "user_id": user,
                          "team_id": "T0CMS", "channel_id": COORDINATORS_CHANNEL,
                          "trigger_id": f"trigger-{user}",
                          "response_url": slack.response_url(user)})
        before = len(slack.responses)
        response = await client.post("/slack/events", data=body, headers=signed_headers(body))
        assert response.status == 200
        return (await slack.wait_for_response(before + 1))[-1].body["text"]

    assert (await heartbeat(client)).status == 204
    clock.advance(timedelta(hours=2, minutes=5))
    assert "nypd-patrol: last heard 23:20 (2h 5m ago), expected within 6h: ok" \
        in await cms(LUIS_SLACK)
    clock.advance(timedelta(hours=4))
    assert "nypd-patrol: last heard 23:20 (6h 5m ago), expected within 6h: OVERDUE" \
        in await cms("U0COORD1")


async def test_the_dashboard_shows_each_sources_last_contact(client, slack, clock):
    assert (await heartbeat(client)).status == 204
    clock.advance(timedelta(hours=7))
    await sign_in(client, slack, "U0COORD1")
    data = await (await client.get("/dashboard/api/map")).json()
    (shown,) = data["sources"]
    assert shown["source"] == "nypd-patrol" and shown["overdue"] is True
    assert shown["expect_within_s"] == 6 * 3600 and shown["last_seen_at"]
