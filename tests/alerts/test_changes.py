"""What an update changes, and the SMS staff already paged read about it: plain values."""

from datetime import UTC, datetime

import pytest

from alerts.changes import change_detail, change_digest, diff, patched, reposted, worth_telling
from alerts.incident import Incident, IncidentError
from alerts.update_texts import cancelled_sms, released_sms, update_sms

FIRST = Incident("NYPD-3", datetime(2026, 7, 5, 3, 15, tzinfo=UTC), 40.8105, -73.9235,
                 precinct=40, victims=1, location="E 138 ST & WILLIS AVE", source="nypd-patrol")


def test_a_patch_changes_only_what_it_names():
    new = patched(FIRST, {"fatal": True, "hospital": "Lincoln"})
    assert [c.field for c in diff(FIRST, new)] == ["fatal", "hospital"]
    assert change_detail(diff(FIRST, new)) == "fatal false -> true; hospital none -> Lincoln"


def test_a_patch_may_clear_an_optional_field_with_null():
    known = patched(FIRST, {"victims": None})
    assert known.victims is None and known.location == FIRST.location


@pytest.mark.parametrize(("body", "field"), [
    ({"victims": -1}, "victims"), ({"fatal": 1}, "fatal"), ({"colour": "red"}, "colour"),
    ({}, "body"), ("fatal", "body"), ({"id": "NYPD-4"}, "id"), ({"lat": None}, "lat"),
])
def test_a_bad_patch_names_its_field(body, field):
    with pytest.raises(IncidentError) as refused:
        patched(FIRST, body)
    assert refused.value.field == field


def test_a_repost_keeps_what_it_leaves_out_and_a_death_stays_a_death():
    known = patched(FIRST, {"fatal": True, "hospital": "Lincoln"})
    again = Incident(FIRST.id, FIRST.occurred_at, FIRST.lat, FIRST.lon, precinct=40, victims=2)
    new = reposted(known, again)
    assert (new.fatal, new.hospital, new.victims, new.location) == (True, "Lincoln", 2,
                                                                    FIRST.location)
    assert [c.field for c in diff(known, new)] == ["victims"]


def test_the_same_change_has_the_same_digest():
    one = diff(FIRST, patched(FIRST, {"fatal": True}))
    assert change_digest(one) == change_digest(diff(FIRST, patched(FIRST, {"fatal": True})))
    assert change_digest(one) != change_digest(diff(FIRST, patched(FIRST, {"victims": 2})))


@pytest.mark.parametrize(("body", "sms"), [
    ({"fatal": True}, "CMS UPDATE #3: now FATAL"),
    ({"victims": 2}, "CMS UPDATE #3: 2 victims"),
    ({"hospital": "Lincoln"}, "CMS UPDATE #3: hospital Lincoln"),
    ({"location": "E 140 ST"}, "CMS UPDATE #3: location now E 140 ST, Pct 40"),
    ({"fatal": True, "victims": 2, "hospital": "Lincoln"},
     "CMS UPDATE #3: now FATAL; 2 victims; hospital Lincoln"),
    ({"verified": True}, None),
])
def test_one_short_sms_says_what_one_update_changed(body, sms):
    new = patched(FIRST, body)
    assert update_sms(3, new, diff(FIRST, new)) == sms
    assert worth_telling(diff(FIRST, new)) is (sms is not None)


def test_release_and_cancel_texts():
    assert released_sms(3) == ("CMS UPDATE #3: corrected location is outside your area; "
                               "no need to go")
    assert cancelled_sms(3, "unfounded.") == "CMS #3 CANCELLED: unfounded. No need to respond."
    long = cancelled_sms(3, "duplicate of another report " * 20)
    assert len(long) <= 306
