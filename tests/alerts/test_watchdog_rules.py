"""The watchdog's judgement, pure: what is wrong, when it counts, and what coordinators read."""

from datetime import UTC, datetime, timedelta

import pytest

from alerts.watchdog import Sighting, down_text, lasting, problems, up_text
from tests.alerts.sitebuilder import NY

T0 = datetime(2026, 7, 4, 18, 5, tzinfo=UTC)  # 14:05 in New York
LIMIT = timedelta(minutes=2)


@pytest.mark.parametrize(("seen", "kinds"), [
    (Sighting(workers=2, unsent=0), []),
    (Sighting(workers=0, unsent=0), ["workers"]),
    (Sighting(workers=None, unsent=0), ["redis"]),
    (Sighting(workers=1, unsent=3), ["unsent"]),
    (Sighting(workers=1, unsent=None), ["database"]),
])
def test_each_failure_of_the_alert_path_is_named(seen, kinds):
    assert list(problems(seen, LIMIT)) == kinds


def test_unsent_alerts_count_at_once_and_a_missing_worker_once_it_lasts():
    found = problems(Sighting(workers=0, unsent=1), LIMIT)
    first = {"workers": T0, "unsent": T0}
    assert lasting(found, first, T0, LIMIT) == ["1 staff alert waiting unsent over 2 min"]
    assert lasting(found, first, T0 + LIMIT, LIMIT) == [
        "no rq worker is alive", "1 staff alert waiting unsent over 2 min"]


def test_what_the_coordinators_read():
    assert down_text(["no rq worker is alive"], T0, NY) == (
        "CMS WATCHDOG: alerts may not be going out since 14:05: no rq worker is alive. "
        "Check the cmsbot workers.")
    assert up_text(T0, T0 + timedelta(minutes=11), NY) == (
        "CMS WATCHDOG: recovered at 14:16: workers are running and alerts are going out "
        "(down 11 min).")
