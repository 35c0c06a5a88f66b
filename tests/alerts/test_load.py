"""When a web process counts as overloaded: the worst recent reading, and the rule itself."""

from datetime import UTC, datetime, timedelta

import pytest

from alerts.load import LAG_LIMIT, RecentPeak, overloaded

T0 = datetime(2026, 7, 4, 23, 15, 0, 250_000, tzinfo=UTC)


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(("readings", "asked_at", "peak"), [
    ([], 0, 0.0),
    ([(0, 0.3)], 0, 0.3),
    ([(0, 0.3), (0.1, 1.4), (0.2, 0.2)], 0.2, 1.4),  # the worst, not the latest
    ([(0, 1.4)], 4.9, 1.4),  # still within the 5 s window
    ([(0, 1.4)], 5.8, 0.0),  # gone within a second after it
    ([(0, 1.4), (3, 0.5)], 6, 0.5),  # the older peak went, the newer stays
    ([(0, 1.4)], -1, 0.0),  # asked about a time before the reading
    ([(10, 1.4), (0, 0.1)], 0, 0.1),  # the clock was set back: the "future" reading goes
])
def test_the_peak_is_the_worst_reading_of_the_last_five_seconds(readings, asked_at, peak):
    recent = RecentPeak()
    for at, value in readings:
        recent.record(after(at), value)
    assert recent.peak(after(asked_at)) == peak


def test_memory_stays_a_handful_of_numbers_however_many_readings():
    recent = RecentPeak()
    for tenth in range(10 * 60 * 60):  # an hour of readings, ten a second
        recent.record(after(tenth / 10), tenth / 10)
    assert len(recent._buckets) <= 7
    assert recent.peak(after(3600)) == pytest.approx(3599.9)


@pytest.mark.parametrize(("lag", "shed", "expected"), [
    (0.0, False, False), (LAG_LIMIT, False, False), (LAG_LIMIT + 0.01, False, True),
    (0.0, True, True), (2.0, True, True),
])
def test_overloaded_is_a_lagging_loop_or_a_shed_request(lag, shed, expected):
    assert overloaded(lag, shed) is expected
