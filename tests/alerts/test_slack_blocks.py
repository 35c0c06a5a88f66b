"""The live Slack post: one renderer for the first post and every update."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.incident import parse_incident
from alerts.slack_blocks import (
    ACTIONS,
    Event,
    PostState,
    TeamState,
    button_value,
    incident_post,
    read_button_value,
)

NY = ZoneInfo("America/New_York")
AT = datetime(2026, 7, 5, 3, 20, tzinfo=UTC)


def incident(**fields):
    return parse_incident({"id": "NYPD-1", "occurred_at": "2026-07-04T23:15:00-04:00",
                           "lat": 40.67, "lon": -73.9, "precinct": 75,
                           "location": "PITKIN AVE & ROCKAWAY AVE", **fields})


def buttons(message):
    actions = [b for b in message.blocks if b["type"] == "actions"]
    return [e["action_id"] for e in actions[0]["elements"]] if actions else []


def test_a_new_post_says_what_where_when_and_offers_the_four_buttons():
    post = incident_post(PostState(incident(fatal=True, victims=1),
                                   teams=(TeamState("eny", "Man Up ENY", "inside precinct:75"),)),
                         NY, "eny")
    rendered = str(post.blocks)
    assert "Shooting, 1 victim, FATAL" in rendered
    assert "PITKIN AVE &amp; ROCKAWAY AVE, Pct 75" in rendered
    assert "Sat 7/4 11:15PM" in rendered
    assert "Man Up ENY (inside precinct:75)" in rendered
    assert "Waiting for acknowledgement" in rendered
    assert buttons(post) == list(ACTIONS)
    action = next(b for b in post.blocks if b["type"] == "actions")["elements"][0]
    assert read_button_value(action["value"]) == ("NYPD-1", "eny")


def test_an_updated_post_shows_who_did_what_and_when():
    state = PostState(incident(), status="on scene",
                      teams=(TeamState("eny", "Man Up ENY", "inside precinct:75", acked_at=AT),),
                      events=(Event(AT, "Ray Ortiz", "acknowledged", "#1"),
                              Event(AT, "Ray Ortiz", "on scene")))
    rendered = str(incident_post(state, NY, "eny").blocks)
    assert "11:20PM Ray Ortiz: acknowledged (#1)" in rendered
    assert "11:20PM Ray Ortiz: on scene" in rendered
    assert "On scene" in rendered


def test_a_closed_post_has_no_buttons_and_says_the_outcome():
    state = PostState(incident(), status="closed", outcome="mediated",
                      teams=(TeamState("eny", "Man Up ENY", "inside", AT, AT, "mediated"),))
    post = incident_post(state, NY, "eny")
    assert buttons(post) == []
    assert "Closed (mediated)" in str(post.blocks)


def test_the_possible_retaliation_warning_is_shown():
    post = incident_post(PostState(incident(), warning="POSSIBLE RETALIATION: 167 m, 5 h"), NY)
    assert ":warning: *POSSIBLE RETALIATION: 167 m, 5 h*" in str(post.blocks)


@pytest.mark.parametrize(("team_id", "named"), [
    ("eny", False),        # the linked shooting is another team's: only "a nearby incident"
    ("bivo", True),        # a team that serves both sees which one
    (None, True),          # the coordinators' post names everything
])
def test_a_team_post_names_a_linked_incident_only_to_a_team_it_was_routed_to(team_id, named):
    state = PostState(incident(), events=(Event(AT, "cmsbot", "possible retaliation",
                                                "linked to NYPD-BVL1: 325 m and 0 h apart"),),
                      linked=(("NYPD-BVL1", ("bivo",)),))
    rendered = str(incident_post(state, NY, team_id).blocks)
    assert ("NYPD-BVL1" in rendered) is named
    assert ("linked to a nearby incident: 325 m and 0 h apart" in rendered) is not named


def test_feed_text_cannot_ping_channels_or_forge_links():
    post = incident_post(PostState(incident(location="<!channel> <http://x|click>")), NY)
    assert "<!channel>" not in str(post.blocks) and "<!channel>" not in post.text
    assert "&lt;!channel&gt;" in str(post.blocks)


def test_the_coordinators_post_says_no_team_holds_it():
    assert "No team catchment" in str(incident_post(PostState(incident()), NY).blocks)


@pytest.mark.parametrize("value", ["not json", "[]", '{"team": "eny"}'])
def test_a_button_value_that_is_not_ours_is_refused(value):
    with pytest.raises(ValueError):
        read_button_value(value)


def test_button_values_round_trip():
    assert read_button_value(button_value("NYPD-1", None)) == ("NYPD-1", None)


@pytest.mark.parametrize(("victims", "shown"), [
    (0, "Shooting, shots fired, no one hit"), (None, "Shooting, victims unknown"),
    (1, "Shooting, 1 victim"), (3, "Shooting, 3 victims")])
def test_the_post_counts_victims_honestly(victims, shown):
    post = incident_post(PostState(incident(victims=victims)), NY, "eny")
    assert shown in str(post.blocks)
    if victims != 1:
        assert "1 victim" not in str(post.blocks)


def test_the_post_names_the_type_when_it_is_not_a_plain_shooting():
    post = incident_post(PostState(incident(type="shots-fired", victims=0)), NY, "eny")
    assert post.blocks[0]["text"]["text"] == "CMS alert: Shots fired, no one hit"
    assert post.text.startswith("Shots fired, no one hit at PITKIN AVE")
    police = incident_post(PostState(incident(type="police-involved", victims=1)), NY, "eny")
    assert police.blocks[0]["text"]["text"] == "CMS alert: Police-involved shooting, 1 victim"
