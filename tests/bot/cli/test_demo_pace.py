"""The demo runs on a copy of the sites file whose waits are minutes, not hours, so a demo
watched for a few minutes shows escalations and follow-ups; everything else is the same."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.cli.demo_pace import describe, paced_sites
from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import load_sites


def test_the_paced_copy_escalates_ten_times_sooner_and_follows_up_after_minutes(tmp_path: Path):
    original = load_sites(SAMPLE_SITES).sites
    paced = load_sites(paced_sites(SAMPLE_SITES, original, tmp_path)).sites
    eny = paced.find_team("man-up-eny")
    assert eny is not None
    assert [(s.after, s.notify) for s in eny.escalation.steps] == [
        (timedelta(minutes=1), "supervisor"), (timedelta(minutes=2), "coordinators")]
    # A team that wrote no escalation of its own gets the default's steps, sped up alike.
    bivo = paced.find_team("bivo-brownsville")
    assert bivo is not None and [s.after for s in bivo.escalation.steps] == [
        timedelta(minutes=1), timedelta(minutes=2)]
    assert {team.followups for team in paced.teams} == {(timedelta(minutes=3), timedelta(minutes=6))}
    assert {team.safety_checkout for team in paced.teams} == {timedelta(minutes=5)}
    # A demo run at night still shows its follow-ups and their escalation within minutes.
    assert {team.routine_hours.text for team in paced.teams} == {"00:00-24:00"}
    assert [(s.after, s.notify) for s in eny.routine_escalation] == [
        (timedelta(minutes=1), "supervisor"), (timedelta(minutes=2), "coordinators")]
    # Calls come ten times sooner too: the repage after 18 s, coordinators 90 s after a
    # safety timer ran out.
    assert (eny.repage_after, eny.checkout_escalation) == (timedelta(seconds=18),
                                                           timedelta(seconds=90))


def test_the_paced_copy_keeps_calls_in_escalation_steps(tmp_path: Path):
    original = load_sites(SAMPLE_SITES).sites
    eny = original.find_team("man-up-eny")
    assert eny is not None
    steps = tuple(replace(step, via=("sms", "voice")) for step in eny.escalation.steps)
    calling = replace(original, teams=tuple(
        replace(t, escalation=replace(t.escalation, steps=steps)) if t.id == eny.id else t
        for t in original.teams))
    paced = load_sites(paced_sites(SAMPLE_SITES, calling, tmp_path)).sites.find_team(eny.id)
    assert paced is not None and {s.via for s in paced.escalation.steps} == {("sms", "voice")}


def test_the_paced_copy_keeps_teams_people_catchments_and_layers(tmp_path: Path):
    original = load_sites(SAMPLE_SITES)
    paced = load_sites(paced_sites(SAMPLE_SITES, original.sites, tmp_path))
    assert [(t.id, t.members, t.geofences, t.hospitals) for t in paced.sites.teams] == [
        (t.id, t.members, t.geofences, t.hospitals) for t in original.sites.teams]
    assert paced.sites.coordinators == original.sites.coordinators
    # The layer files are named relative to the original, which lives elsewhere.
    assert set(paced.layers) == set(original.layers) == {"zip", "nta"}


def test_the_demo_says_what_its_pace_changes():
    line = describe(load_sites(SAMPLE_SITES).sites)
    assert line.startswith("demo pace: escalations and calls 10x sooner (10m -> 1m, 20m -> 2m)")
    assert "follow-ups after 3m and 6m" in line and "--real-pace" in line
