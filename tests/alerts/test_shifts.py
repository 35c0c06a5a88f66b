"""Shifts are weekly windows in the city's wall-clock time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.shifts import ShiftError, on_shift, parse_shift

NY = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


@pytest.mark.parametrize(("shift", "moment", "working"), [
    ("mon-fri 09:00-17:00", "2026-07-06T09:00", True),   # Monday, first minute
    ("mon-fri 09:00-17:00", "2026-07-06T16:59", True),
    ("mon-fri 09:00-17:00", "2026-07-06T17:00", False),  # the end is exclusive
    ("mon-fri 09:00-17:00", "2026-07-04T12:00", False),  # Saturday
    ("mon-fri 18:00-02:00", "2026-07-07T01:30", True),   # Tuesday early: Monday's night shift
    ("mon-fri 18:00-02:00", "2026-07-06T01:30", False),  # Monday early: Sunday is not listed
    ("fri 22:00-06:00", "2026-07-04T05:59", True),       # Friday night into Saturday
    ("sun 20:00-04:00", "2026-07-06T03:00", True),       # Sunday night wraps into Monday
    ("sat,sun 12:00-04:00", "2026-07-05T23:00", True),
    ("fri-mon 10:00-11:00", "2026-07-05T10:30", True),   # a range across the weekend
    ("fri-mon 10:00-11:00", "2026-07-08T10:30", False),
    ("daily 00:00-24:00", "2026-07-08T03:33", True),
])
def test_a_shift_covers_its_window(shift, moment, working):
    assert parse_shift(shift).covers(at(moment)) is working


def test_a_shift_is_read_in_wall_clock_time_across_daylight_saving():
    night = parse_shift("sat 22:00-06:00")
    # 2026-03-08 02:00 does not exist in New York; the night shift still covers 05:00 after it.
    assert night.covers(at("2026-03-08T05:00"))
    assert night.covers(datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1))


def test_a_member_without_shifts_is_always_on():
    assert on_shift((), at("2026-07-04T03:00"))


def test_a_member_is_on_when_any_shift_covers_now():
    shifts = (parse_shift("mon 09:00-10:00"), parse_shift("sat 02:00-04:00"))
    assert on_shift(shifts, at("2026-07-04T03:00"))
    assert not on_shift(shifts, at("2026-07-04T05:00"))


@pytest.mark.parametrize("text", ["weekdays 9-5", "mon-fri 25:00-02:00", "mon-fri 09:00",
                                  "xyz 09:00-10:00", "mon-fri 09:60-10:00", ""])
def test_a_shift_that_cannot_be_read_says_how_to_write_one(text):
    with pytest.raises(ShiftError):
        parse_shift(text)
