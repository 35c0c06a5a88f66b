"""Whether an incident pages: stale ones are stored and routed but page nobody; ones from the
future are refused."""

from datetime import UTC, datetime, timedelta

import pytest

from alerts.freshness import PAGE_WITHIN, Paging, judge
from alerts.incident import IncidentError

ARRIVED = datetime(2026, 7, 5, 3, 20, tzinfo=UTC)


@pytest.mark.parametrize(("before", "force", "paged", "reason"), [
    (timedelta(minutes=5), False, True, None),
    (timedelta(hours=12), False, True, None),  # the limit itself still pages
    (timedelta(hours=12, seconds=1), False, False, "stale"),
    (timedelta(days=150), False, False, "stale"),  # five months ago
    (timedelta(days=150), True, True, None),  # "page": true overrides
    (-timedelta(minutes=10), False, True, None),  # a feed's clock a little ahead
])
def test_paging_depends_on_how_long_before_arrival_it_occurred(before, force, paged, reason):
    paging = judge(ARRIVED - before, ARRIVED, PAGE_WITHIN, force=force)
    assert (paging.paged, paging.reason) == (paged, reason)
    assert paging.late == before


@pytest.mark.parametrize("ahead", [timedelta(minutes=10, seconds=1), timedelta(days=1300)])
def test_an_incident_more_than_ten_minutes_ahead_is_refused_even_when_forced(ahead):
    with pytest.raises(IncidentError) as refused:
        judge(ARRIVED + ahead, ARRIVED, PAGE_WITHIN, force=True)
    assert refused.value.field == "occurred_at"
    assert "in the future" in str(refused.value)


def test_the_window_is_a_setting():
    assert judge(ARRIVED - timedelta(hours=2), ARRIVED, timedelta(hours=1)).reason == "stale"


@pytest.mark.parametrize(("late", "said"), [
    (timedelta(hours=13), "not paged: occurred 13 h before it arrived"),
    (timedelta(days=150, hours=3), "not paged: occurred 3603 h before it arrived"),
])
def test_the_timeline_says_how_late_it_came(late, said):
    assert Paging(False, "stale", late).timeline_detail() == said


def test_a_paged_incident_has_nothing_to_explain():
    assert Paging(True, None, timedelta(minutes=3)).timeline_detail() is None
