"""Routine hours: where a follow-up or reminder due at some moment actually goes out."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.routine_hours import (
    DEFAULT_ROUTINE_STEPS,
    RoutineHours,
    RoutineHoursError,
    following_opening,
    next_opening,
    parse_routine_hours,
    routine_times,
)

NY = ZoneInfo("America/New_York")
DAY = RoutineHours()  # 10:00-20:00


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NY)


@pytest.mark.parametrize(("at", "expected"), [
    (local(2026, 7, 6, 2, 0), local(2026, 7, 6, 10, 0)),     # at night: this morning
    (local(2026, 7, 6, 9, 59), local(2026, 7, 6, 10, 0)),
    (local(2026, 7, 6, 10, 0), local(2026, 7, 6, 10, 0)),    # the opening itself is inside
    (local(2026, 7, 6, 15, 0), local(2026, 7, 6, 15, 0)),    # inside: unchanged
    (local(2026, 7, 6, 20, 0), local(2026, 7, 7, 10, 0)),    # the closing is outside
    (local(2026, 7, 6, 23, 30), local(2026, 7, 7, 10, 0)),   # evening: tomorrow morning
])
def test_next_opening_is_the_earliest_moment_in_the_window(at, expected):
    assert next_opening(at, DAY, NY) == expected
    assert next_opening(at, DAY, NY).tzinfo is UTC


def test_next_opening_keeps_local_time_across_the_spring_daylight_saving_change():
    # 8 March 2026: clocks go from 02:00 EST to 03:00 EDT. The night before at 22:00 EST
    # (03:00 UTC), the opening is 10:00 EDT (14:00 UTC): 11 hours on, not 12.
    evening = local(2026, 3, 7, 22, 0)
    opening = next_opening(evening, DAY, NY)
    assert opening == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert opening - evening == timedelta(hours=11)


def test_next_opening_keeps_local_time_across_the_autumn_change_and_a_window_in_the_gap():
    # 1 November 2026: 02:00 EDT becomes 01:00 EST; 10:00 that day is 15:00 UTC.
    assert next_opening(local(2026, 10, 31, 21, 0), DAY, NY) == datetime(2026, 11, 1, 15, 0,
                                                                         tzinfo=UTC)
    # A window opening at 02:30 on the spring-forward day opens just after the gap, 03:30 EDT.
    early = RoutineHours(time(2, 30), time(6, 0))
    assert next_opening(local(2026, 3, 8, 0, 0), early, NY) == local(2026, 3, 8, 3, 30)


def test_the_following_opening_is_the_next_morning_even_from_inside_the_window():
    assert following_opening(local(2026, 7, 6, 12, 0), DAY, NY) == local(2026, 7, 7, 10, 0)
    assert following_opening(local(2026, 7, 6, 3, 0), DAY, NY) == local(2026, 7, 6, 10, 0)


def test_routine_escalation_tells_the_supervisor_after_two_hours_and_coordinators_next_morning():
    first = local(2026, 7, 6, 10, 0)
    assert routine_times(first, DEFAULT_ROUTINE_STEPS, DAY, NY) == [
        local(2026, 7, 6, 12, 0), local(2026, 7, 7, 10, 0)]


def test_an_escalation_step_due_at_night_moves_to_the_next_opening():
    first = local(2026, 7, 6, 19, 0)  # two hours on is 21:00, after closing
    assert routine_times(first, DEFAULT_ROUTINE_STEPS, DAY, NY) == [
        local(2026, 7, 7, 10, 0), local(2026, 7, 8, 10, 0)]


@pytest.mark.parametrize(("text", "window"), [
    ("10:00-20:00", RoutineHours(time(10), time(20))),
    (" 9:30 - 17:00 ", RoutineHours(time(9, 30), time(17))),
    ("00:00-24:00", RoutineHours(time(0), time.max)),
])
def test_routine_hours_are_written_as_a_daily_window(text, window):
    assert parse_routine_hours(text) == window


@pytest.mark.parametrize(("text", "says"), [
    ("22:00-06:00", "no overnight windows"),
    ("10:00-10:00", "no overnight windows"),
    ("10:00-25:00", "no such time of day"),
    ("10-20", "write e.g. '10:00-20:00'"),
    (1000, "write e.g. '10:00-20:00'"),
])
def test_a_window_that_cannot_be_used_is_refused_saying_why(text, says):
    with pytest.raises(RoutineHoursError, match=says):
        parse_routine_hours(text)
