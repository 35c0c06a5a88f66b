"""Which nearby report is the same shooting from another source, and never a retaliation."""

from datetime import UTC, datetime, timedelta

import pytest

from alerts.duplicates import find_duplicate, without
from alerts.incident import Incident
from alerts.linking import find_links

AT = datetime(2026, 6, 6, 3, 20, tzinfo=UTC)


def report(incident_id, source, minutes=0, north_m=0.0):
    return Incident(incident_id, AT + timedelta(minutes=minutes), 40.8105 + north_m / 111_195,
                    -73.9235, source=source)


FIRST = report("NYPD-1", "nypd-patrol")


@pytest.mark.parametrize(("new", "expected"), [
    (report("H-1", "hospital", 5, 50), "NYPD-1"),  # another source, close: the same shooting
    (report("H-1", "hospital", -29, 149), "NYPD-1"),  # reported before the first, just inside
    (report("H-1", "hospital", 31, 50), None),  # too long after
    (report("H-1", "hospital", 5, 160), None),  # too far
    (report("NYPD-2", "nypd-patrol", 5, 50), None),  # the same feed: another shooting
    (report("H-1", None, 5, 50), None),  # unknown source: cannot tell
])
def test_a_possible_duplicate_is_close_in_time_and_place_and_from_another_source(new, expected):
    found = find_duplicate(new, [FIRST])
    assert (found.incident_id if found else None) == expected


def test_a_first_report_of_unknown_source_is_no_ones_duplicate():
    assert find_duplicate(report("H-1", "hospital", 5), [report("X-1", None)]) is None


def test_the_nearest_of_several_is_the_one_it_repeats():
    far = report("CALL-1", "community", 2, 120)
    found = find_duplicate(report("H-1", "hospital", 5, 0), [far, FIRST])
    assert found is not None and found.incident_id == "NYPD-1" and found.source == "nypd-patrol"
    assert found.distance_m == 0 and found.minutes == 5


def test_the_duplicate_is_never_linked_as_retaliation_but_others_still_are():
    new = report("H-1", "hospital", 5, 50)
    older = report("NYPD-0", "nypd-patrol", -240, 300)
    links = without(find_links(new, [FIRST, older]), find_duplicate(new, [FIRST, older]))
    assert [link.incident_id for link in links] == ["NYPD-0"]
