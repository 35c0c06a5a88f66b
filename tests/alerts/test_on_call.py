"""Who is told they are on call: at a handoff, and when a cover or time off moves the turn."""

from dataclasses import replace
from datetime import timedelta

from alerts.on_call import handoff_due, on_call_lines
from alerts.overrides import Override
from tests.alerts.test_chains import ALERTED, rotating_sites

WITHIN = timedelta(minutes=30)
SITES = rotating_sites()  # coordinators weekly, Dana's week; eny supervisors daily, Lee's day


def with_overrides(*overrides):
    return replace(SITES, overrides=overrides)


def test_nobody_is_told_in_the_middle_of_a_turn():
    assert handoff_due(SITES, "coordinators", ALERTED, WITHIN) is None


def test_the_incoming_supervisor_is_told_at_the_daily_handoff():
    handoff = ALERTED.replace(hour=13, minute=5)  # Sunday 09:05 in New York
    turn = handoff_due(SITES, "eny", handoff, WITHIN)
    assert turn is not None and turn.person == "Mo Diaz"
    assert handoff - turn.starts == timedelta(minutes=5)
    assert handoff_due(SITES, "eny", handoff + WITHIN, WITHIN) is None  # told once, not again


def test_someone_off_passes_the_turn_and_the_next_person_is_told_at_once():
    off = Override("coordinators", "Dana Reyes", "off", ALERTED, ALERTED + timedelta(hours=8))
    turn = handoff_due(with_overrides(off), "coordinators", ALERTED + timedelta(minutes=1),
                       WITHIN)
    assert (turn.person, turn.covering, turn.starts) == ("Sam Ortiz", "Dana Reyes", ALERTED)


def test_the_person_covered_for_is_told_when_the_cover_ends():
    ends = ALERTED + timedelta(hours=8)
    cover = Override("coordinators", "Sam Ortiz", "cover", ALERTED, ends, "Dana Reyes")
    turn = handoff_due(with_overrides(cover), "coordinators", ends + timedelta(minutes=1), WITHIN)
    assert (turn.person, turn.starts) == ("Dana Reyes", ends)


def test_oncall_shows_now_next_and_the_covers():
    ends = ALERTED + timedelta(hours=8)
    cover = Override("eny", "Ray Ortiz", "cover", ALERTED, ends, "Keisha Grant")
    lines = on_call_lines(with_overrides(cover), "eny", ALERTED + timedelta(minutes=1))
    assert lines[0].startswith("The coordinators on call: Dana Reyes until Mon Jul 6 09:00; "
                               "next Sam Ortiz (weekly, handoff mon 09:00)")
    assert lines[1].startswith("Man Up ENY (supervisor) on call: Lee Park until Sun Jul 5 09:00")
    assert lines[2] == ("Ray Ortiz on in place of Keisha Grant (eny) until Sun Jul 5 07:15")
