"""Chains: when each step falls, and who it reaches."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerts.chains import (
    ChainStep,
    alert_chain,
    checkout_chain,
    extended,
    followup_chains,
    reminder_chain,
    repage_chain,
    step_recipients,
    steps_from_json,
    steps_to_json,
)
from alerts.sites_parse import parse_sites
from tests.alerts.sitebuilder import LAYERS, NY, SITES, member, sites_data

ALERTED = datetime(2026, 7, 5, 3, 15, tzinfo=UTC)  # Saturday 23:15 in New York


def test_an_alert_chain_follows_the_team_policy():
    chain = alert_chain(SITES.team("eny"), ALERTED)
    assert [(s.after, s.action) for s in chain.steps] == [(timedelta(minutes=10), "supervisor"),
                                                        (timedelta(minutes=20), "coordinators")]
    assert chain.first_at == ALERTED + timedelta(minutes=10)


def test_follow_ups_check_in_at_the_next_opening_of_routine_hours_then_escalate_slowly():
    # Due Sunday 23:15 local: outside 10:00-20:00, so the check-in waits for Monday 10:00.
    first, second = followup_chains(SITES.team("eny"), ALERTED, NY)
    monday_ten = datetime(2026, 7, 6, 10, 0, tzinfo=NY)
    assert (first.subject, first.started_at) == ("24h", monday_ten)
    assert second.subject == "72h"
    assert [(s.after, s.action) for s in first.steps] == [
        (timedelta(0), "checkin"), (timedelta(hours=2), "supervisor"),
        (timedelta(hours=24), "coordinators")]  # the next morning's opening
    assert first.first_at == monday_ten


def test_a_follow_up_due_in_routine_hours_goes_out_on_time():
    afternoon = datetime(2026, 7, 5, 15, 0, tzinfo=NY)
    first, _ = followup_chains(SITES.team("eny"), afternoon, NY)
    assert first.first_at == afternoon + timedelta(hours=24)


def test_a_takedown_reminder_escalates_on_the_routine_policy():
    sent = datetime(2026, 7, 6, 19, 0, tzinfo=NY)
    chain = reminder_chain(SITES.team("eny"), sent, NY)
    assert chain.started_at == sent
    # Two hours on is 21:00: the supervisor is told at 10:00, the coordinators a day later.
    assert [(sent + s.after, s.action) for s in chain.steps] == [
        (datetime(2026, 7, 7, 10, 0, tzinfo=NY), "supervisor"),
        (datetime(2026, 7, 8, 10, 0, tzinfo=NY), "coordinators")]


def test_a_checkout_timer_calls_the_supervisor_then_the_coordinators():
    chain = checkout_chain(SITES.team("eny"), "+12125550175", ALERTED)
    both = ("sms", "voice")
    assert chain.steps == (ChainStep(timedelta(minutes=90), "supervisor", both),
                           ChainStep(timedelta(minutes=105), "coordinators", both))
    assert chain.subject == "+12125550175"


def test_an_extended_timer_runs_both_steps_again_from_the_new_time():
    eny = SITES.team("eny")
    chain = checkout_chain(eny, "+12125550175", ALERTED)
    later = ALERTED + timedelta(minutes=120)
    steps = extended(chain.steps, ALERTED, later, eny)
    assert [(s.after, s.action) for s in steps[2:]] == [
        (timedelta(minutes=120), "supervisor"), (timedelta(minutes=135), "coordinators")]


def test_the_repage_calls_three_minutes_after_the_alert_unless_the_team_takes_no_calls():
    eny = SITES.team("eny")
    chain = repage_chain(eny, ALERTED)
    assert chain is not None and chain.kind == "repage"
    assert chain.steps == (ChainStep(timedelta(minutes=3), "repage", ("voice",)),)
    assert repage_chain(replace(eny, repage_after=None), ALERTED) is None


def test_steps_round_trip_through_storage():
    steps = checkout_chain(SITES.team("eny"), "+12125550175", ALERTED).steps
    assert steps_from_json(steps_to_json(steps)) == steps


def test_steps_stored_before_calls_existed_are_texts():
    assert steps_from_json([[600, "supervisor"]]) == (ChainStep(timedelta(minutes=10),
                                                                "supervisor", ("sms",)),)


def test_the_supervisor_step_reaches_supervisors_and_the_coordinators_step_the_coordinators():
    eny = SITES.team("eny")
    assert [p.name for p in step_recipients("supervisor", eny, SITES, ALERTED)] == ["Lee Park"]
    assert [p.name for p in step_recipients("coordinators", eny, SITES, ALERTED)] == ["Dana Reyes"]
    assert len(step_recipients("team", eny, SITES, ALERTED)) == 4


def test_a_check_in_goes_to_those_who_responded_else_to_the_supervisor():
    eny = SITES.team("eny")
    assert [p.name for p in step_recipients("checkin", eny, SITES, ALERTED,
                                            ["+12125550177"])] == ["Keisha Grant"]
    assert [p.name for p in step_recipients("checkin", eny, SITES, ALERTED, [])] == ["Lee Park"]


def test_a_team_without_a_supervisor_escalates_to_the_coordinators():
    data = sites_data()
    data["teams"][2]["members"] = [member("Erica Shaw", "+17185550113")]
    sites = parse_sites(data, LAYERS, NY)
    people = step_recipients("supervisor", sites.team("jam"), sites, ALERTED)
    assert [(p.name, p.role) for p in people] == [("Dana Reyes", "coordinator")]


def rotating_sites():
    """Two coordinators taking weekly turns (Dana's the week of ALERTED), and two eny
    supervisors taking daily ones."""
    data = sites_data()
    data["coordinators"].append({"name": "Sam Ortiz", "phone": "+12125550101"})
    data["teams"][0]["members"].append(member("Mo Diaz", "+12125550179", "supervisor"))
    data["rotations"] = {
        "coordinators": {"people": ["Dana Reyes", "Sam Ortiz"], "shift": "1w",
                         "handoff": "mon 09:00", "start": ALERTED.date() - timedelta(days=6)},
        "eny": {"people": ["Mo Diaz", "Lee Park"], "shift": "1d", "handoff": "09:00",
                "start": ALERTED.astimezone(NY).date() - timedelta(days=1)}}
    return parse_sites(data, LAYERS, NY)


def test_with_a_rotation_the_coordinators_step_reaches_the_one_on_call_then_the_others():
    sites = rotating_sites()
    chain = alert_chain(sites.team("eny"), ALERTED, sites)
    assert [(s.after, s.action) for s in chain.steps] == [
        (timedelta(minutes=10), "supervisor"), (timedelta(minutes=20), "oncall"),
        (timedelta(minutes=30), "others")]
    eny = sites.team("eny")
    assert [p.name for p in step_recipients("oncall", eny, sites, ALERTED)] == ["Dana Reyes"]
    assert [p.name for p in step_recipients("others", eny, sites, ALERTED)] == ["Sam Ortiz"]
    # The coordinators told at once (NEED, SOS) are still all of them.
    assert len(step_recipients("coordinators", eny, sites, ALERTED)) == 2


def test_with_a_rotation_the_supervisor_step_reaches_the_supervisor_on_call():
    sites = rotating_sites()
    eny = sites.team("eny")
    # Saturday night: Friday 09:00's turn is Mo's, Saturday 09:00's Lee's.
    assert [p.name for p in step_recipients("supervisor", eny, sites, ALERTED)] == ["Lee Park"]
    later = ALERTED + timedelta(days=1)
    assert [p.name for p in step_recipients("supervisor", eny, sites, later)] == ["Mo Diaz"]
