"""On-call rotations: whose turn it is, across daylight saving time, with covers and time off."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.overrides import Override
from alerts.rotation_specs import parse_rotations
from alerts.rotations import (
    RotationError,
    on_call,
    on_call_next,
    parse_rotation,
    scheduled,
    turns,
)

NY = ZoneInfo("America/New_York")
WEEKLY = parse_rotation(["Ana Ruiz", "Ben Ortiz", "Cleo Park"], "1w", "mon 09:00",
                        start=date(2026, 10, 26))
DAILY = parse_rotation(["Victor Adeyemi", "Rosa Diaz"], "1d", "09:00", start=date(2026, 11, 1))


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NY)


def cover(name, starts, ends, instead_of=None, group="coordinators"):
    return Override(group, name, "cover", starts, ends, instead_of)


def test_the_first_person_has_the_first_turn_from_the_first_handoff():
    turn = scheduled(WEEKLY, ny(2026, 10, 26, 9, 0), NY)
    assert turn.person == "Ana Ruiz"
    assert turn.starts == ny(2026, 10, 26, 9, 0) and turn.ends == ny(2026, 11, 2, 9, 0)
    assert scheduled(WEEKLY, ny(2026, 10, 26, 8, 59), NY).person == "Cleo Park"  # before it


def test_turns_go_round_the_people_in_order():
    people = [scheduled(WEEKLY, ny(2026, 10, 26, 12) + timedelta(weeks=n), NY).person
              for n in range(4)]
    assert people == ["Ana Ruiz", "Ben Ortiz", "Cleo Park", "Ana Ruiz"]


def test_a_weekly_handoff_stays_at_nine_on_the_wall_across_the_fall_back():
    # Clocks go back on Sunday 2026-11-01: that turn is 169 hours long, the handoff still 09:00.
    turn = scheduled(WEEKLY, ny(2026, 10, 30, 12), NY)
    assert turn.ends.astimezone(NY).hour == 9
    assert turn.ends - turn.starts == timedelta(hours=169)


def test_a_daily_handoff_stays_at_nine_on_the_wall_across_the_spring_forward():
    spring = parse_rotation(["Victor Adeyemi", "Rosa Diaz"], "1d", "09:00", start=date(2027, 3, 1))
    turn = scheduled(spring, ny(2027, 3, 14, 12), NY)  # the day clocks go forward
    assert turn.starts.astimezone(NY).hour == 9 and turn.ends.astimezone(NY).hour == 9
    assert turn.ends - turn.starts == timedelta(hours=24)
    before = scheduled(spring, ny(2027, 3, 14, 3), NY)  # the night turn that lost an hour
    assert before.ends - before.starts == timedelta(hours=23)


def test_whose_turn_is_the_same_whatever_zone_the_instant_is_given_in():
    at = ny(2026, 11, 10, 3, 30)
    assert scheduled(DAILY, at, NY) == scheduled(DAILY, at.astimezone(UTC), NY)


def test_a_cover_takes_the_turn_while_it_lasts():
    overrides = [cover("Dee Lang", ny(2026, 11, 3, 18), ny(2026, 11, 4, 8), "Ben Ortiz")]
    now = on_call(WEEKLY, "coordinators", overrides, ny(2026, 11, 3, 22), NY)
    assert (now.person, now.covering, now.ends) == ("Dee Lang", "Ben Ortiz", ny(2026, 11, 4, 8))
    later = on_call(WEEKLY, "coordinators", overrides, ny(2026, 11, 4, 8), NY)
    assert later.person == "Ben Ortiz"  # it ended by itself


def test_a_cover_for_someone_not_on_call_changes_nothing():
    overrides = [cover("Dee Lang", ny(2026, 11, 3, 18), ny(2026, 11, 4, 8), "Ana Ruiz")]
    assert on_call(WEEKLY, "coordinators", overrides, ny(2026, 11, 3, 22), NY).person == "Ben Ortiz"


def test_a_cover_of_another_group_changes_nothing():
    overrides = [cover("Dee Lang", ny(2026, 11, 3, 18), ny(2026, 11, 4, 8), group="east-ny")]
    assert on_call(WEEKLY, "coordinators", overrides, ny(2026, 11, 3, 22), NY).person == "Ben Ortiz"


def test_the_latest_cover_wins():
    overrides = [cover("Dee Lang", ny(2026, 11, 3, 18), ny(2026, 11, 5)),
                 cover("Eli Moss", ny(2026, 11, 3, 20), ny(2026, 11, 4))]
    assert on_call(WEEKLY, "coordinators", overrides, ny(2026, 11, 3, 22), NY).person == "Eli Moss"


def test_someone_off_passes_the_turn_to_the_next_in_the_rotation():
    off = [Override("coordinators", "Ben Ortiz", "off", ny(2026, 11, 3), ny(2026, 11, 4, 12))]
    turn = on_call(WEEKLY, "coordinators", off, ny(2026, 11, 3, 22), NY)
    assert (turn.person, turn.covering, turn.ends) == ("Cleo Park", "Ben Ortiz",
                                                       ny(2026, 11, 4, 12))


def test_when_everyone_is_off_the_turn_stays_with_its_person():
    off = [Override("coordinators", name, "off", ny(2026, 11, 3), ny(2026, 11, 4))
           for name in ("Ana Ruiz", "Ben Ortiz", "Cleo Park")]
    assert on_call(WEEKLY, "coordinators", off, ny(2026, 11, 3, 22), NY).person == "Ben Ortiz"


def test_who_is_next_is_who_takes_over_at_the_handoff_or_when_the_cover_ends():
    assert on_call_next(WEEKLY, "coordinators", [], ny(2026, 11, 3, 22), NY).person == "Cleo Park"
    overrides = [cover("Dee Lang", ny(2026, 11, 3, 18), ny(2026, 11, 4, 8))]
    assert on_call_next(WEEKLY, "coordinators", overrides, ny(2026, 11, 3, 22), NY).person \
        == "Ben Ortiz"


def test_turns_over_a_span_show_covers_as_turns_of_their_own():
    overrides = [cover("Dee Lang", ny(2026, 11, 10, 18), ny(2026, 11, 11, 8))]
    shown = turns(DAILY, "coordinators", overrides, ny(2026, 11, 10, 9), ny(2026, 11, 12, 9), NY)
    assert [(t.person, t.starts.astimezone(NY).hour) for t in shown] == [
        ("Rosa Diaz", 9), ("Dee Lang", 18), ("Rosa Diaz", 8), ("Victor Adeyemi", 9)]


@pytest.mark.parametrize(("people", "shift", "handoff", "says"), [
    ([], "1w", "mon 09:00", "list one name"),
    (["Ana", "ana"], "1w", "mon 09:00", "listed twice"),
    (["Ana"], "1 fortnight", "mon 09:00", "write 1d, 1w or 2w"),
    (["Ana"], "0d", "09:00", "write 1d, 1w or 2w"),
    (["Ana"], "1w", "moon 09:00", "write 09:00 or mon 09:00"),
    (["Ana"], "1w", "fun 09:00", "is not a day"),
    (["Ana"], "1d", "mon 09:00", "whole weeks"),
    (["Ana"], "1d", "25:00", "write 09:00"),
])
def test_a_rotation_that_cannot_be_understood_says_why(people, shift, handoff, says):
    with pytest.raises(RotationError, match=says):
        parse_rotation(people, shift, handoff)


def test_it_describes_itself_as_people_read_it():
    assert WEEKLY.describe() == "weekly, handoff mon 09:00"
    assert DAILY.describe() == "daily, handoff 09:00"


# The sites file's rotations: mapping -------------------------------------------------------

def parsed(raw):
    problems = []
    found = parse_rotations(raw, ["eny"], lambda where, message: problems.append(
        f"{where}: {message}"))
    return found, problems


def test_the_sites_file_names_a_rotation_for_the_coordinators_or_a_team():
    found, problems = parsed({
        "coordinators": {"people": ["Ana Ruiz", "Ben Ortiz"], "shift": "1w",
                         "handoff": "mon 09:00", "escalate_after": "5m"},
        "eny": {"people": ["Keisha Grant"], "shift": "1d", "handoff": "08:00",
                "start": date(2026, 12, 1)}})
    assert problems == []
    assert found["coordinators"].escalate_after == timedelta(minutes=5)
    assert found["eny"].start == date(2026, 12, 1) and found["eny"].shift_days == 1


@pytest.mark.parametrize(("raw", "says"), [
    ([], "rotations: must map coordinators or a team id"),
    ({"bronx": {"people": ["A"], "shift": "1w", "handoff": "mon 09:00"}},
     "rotations.bronx: is neither coordinators nor a team id (eny)"),
    ({"eny": {"people": ["A"]}}, "rotations.eny: needs people, shift and handoff"),
    ({"eny": {"people": "A", "shift": "1w", "handoff": "mon 09:00"}},
     "rotations.eny.people: must be a list of names"),
    ({"eny": {"people": ["A"], "shift": "1w", "handoff": "mon 09:00", "start": "soon"}},
     "rotations.eny.start: must be a date"),
    ({"eny": {"people": ["A"], "shift": "1w", "handoff": "mon 09:00", "escalate_after": "x"}},
     "rotations.eny.escalate_after: 'x' is not a duration"),
    ({"eny": {"people": ["A"], "shift": "1w", "handoff": "mon 09:00", "every": 2}},
     "rotations.eny.every: unknown key"),
    ({"eny": {"people": ["A"], "shift": "1d", "handoff": "mon 09:00"}},
     "rotations.eny: handoff 'mon 09:00': a weekday needs a shift of whole weeks"),
])
def test_a_bad_rotation_in_the_sites_file_is_reported_where_it_is(raw, says):
    _, problems = parsed(raw)
    assert any(p.startswith(says) for p in problems), problems
