"""Reports: the numbers per team and month in city time, exact percentiles, and their formats."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from alerts.reports import (
    COLUMNS,
    MEDIAN,
    P90,
    FollowUp,
    IncidentFacts,
    ReportError,
    ReportRow,
    TakedownFacts,
    as_csv,
    as_json,
    as_table,
    check_window,
    default_window,
    parse_day,
    percentile,
    report_rows,
    window_bounds,
)
from tests.alerts.sitebuilder import NY

RECEIVED = datetime(2026, 7, 10, 2, 0, tzinfo=UTC)  # Thursday 22:00 in New York
NOW = RECEIVED + timedelta(days=30)


def minutes(*values: float) -> list[timedelta]:
    return [timedelta(minutes=v) for v in values]


def shooting(incident_id: str = "I-1", team: str = "eny", *, received: datetime = RECEIVED,
             ack: float | None = None, scene: float | None = None, outcome: str | None = None,
             followups: tuple[FollowUp, ...] = (), kind: str = "shooting") -> IncidentFacts:
    """An incident that occurred five minutes before it was received, answered after minutes."""
    def after(value: float | None) -> datetime | None:
        return None if value is None else received + timedelta(minutes=value)
    return IncidentFacts(incident_id, team, kind, received - timedelta(minutes=5), received,
                         after(ack), after(scene), outcome, followups)


def only_row(*facts: IncidentFacts, takedowns: tuple[TakedownFacts, ...] = (),
             now: datetime = NOW) -> ReportRow:
    rows = report_rows(facts, takedowns, NY, now)
    assert len(rows) == 1, rows
    return rows[0]


def values(row: ReportRow) -> dict[str, object]:
    return as_json([row])[0]


@pytest.mark.parametrize(("sample", "q", "expected"), [
    ([], MEDIAN, None),
    ([], P90, None),
    (minutes(7), MEDIAN, minutes(7)[0]),
    (minutes(7), P90, minutes(7)[0]),
    (minutes(12, 4), MEDIAN, timedelta(minutes=8)),
    (minutes(4, 12), P90, timedelta(minutes=11, seconds=12)),  # 4 + 0.9 * 8 = 11.2
    (minutes(3, 1, 2), MEDIAN, timedelta(minutes=2)),
    (minutes(*range(1, 11)), P90, timedelta(minutes=9, seconds=6)),  # rank 9.1 of 1..10
    ([timedelta(seconds=1), timedelta(seconds=2)], MEDIAN, timedelta(seconds=1.5)),
    ([timedelta(microseconds=1), timedelta(microseconds=2)], Fraction(1, 3),
     timedelta(microseconds=1)),  # 1.333 us: exact to the microsecond
])
def test_percentiles_interpolate_linearly_between_the_closest_ranks(sample, q, expected):
    assert percentile(sample, q) == expected


def test_a_manager_sees_the_median_the_90th_percentile_and_the_share_within_ten_minutes():
    row = only_row(shooting("I-1", ack=4, scene=20), shooting("I-2", ack=12, scene=31))
    shown = values(row)
    assert (shown["team"], shown["month"], shown["incidents"]) == ("eny", "2026-07", 2)
    assert (shown["ack_median_min"], shown["ack_p90_min"], shown["acked_10min_pct"]) == \
        (8.0, 11.2, 50.0)
    assert (shown["scene_median_min"], shown["scene_p90_min"]) == (25.5, 29.9)


def test_exactly_ten_minutes_is_within_ten_minutes():
    assert values(only_row(shooting(ack=10)))["acked_10min_pct"] == 100.0
    assert values(only_row(shooting(ack=10.01)))["acked_10min_pct"] == 0.0


def test_an_unacknowledged_incident_counts_against_the_share_once_ten_minutes_have_passed():
    fresh = RECEIVED + timedelta(minutes=9)
    pending = only_row(shooting("I-1", ack=2), shooting("I-2"), now=fresh)
    assert values(pending)["acked_10min_pct"] == 100.0  # I-2 may still make it
    assert values(only_row(shooting("I-1", ack=2), shooting("I-2")))["acked_10min_pct"] == 50.0


def test_nothing_to_measure_is_none_not_zero():
    shown = values(only_row(shooting(), now=RECEIVED + timedelta(minutes=1)))
    assert shown["incidents"] == 1
    for column in ("ack_median_min", "ack_p90_min", "acked_10min_pct", "scene_median_min",
                   "scene_p90_min"):
        assert shown[column] is None, column
    assert report_rows([], [], NY, NOW) == []


def test_durations_are_minutes_rounded_half_up_to_one_decimal():
    # 3 s = 0.05 min: half up, not to even, and not float-noise down.
    assert values(only_row(shooting(ack=0.05)))["ack_median_min"] == 0.1
    assert values(only_row(shooting(ack=90)))["ack_median_min"] == 90.0


def test_months_are_the_city_calendar_across_a_month_end_that_is_also_a_dst_change():
    # 2026-11-01 is the day New York falls back: midnight that day is 04:00 UTC (still EDT).
    october = IncidentFacts("I-oct", "eny", "shooting", datetime(2026, 11, 1, 3, 59, tzinfo=UTC),
                            datetime(2026, 11, 1, 4, 1, tzinfo=UTC))
    november = IncidentFacts("I-nov", "eny", "shooting", datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
                             datetime(2026, 11, 1, 4, 1, tzinfo=UTC))
    rows = report_rows([october, november], [], NY, NOW)
    assert [(r.month, r.incidents) for r in rows] == [("2026-10", 1), ("2026-11", 1)]


def test_months_follow_the_city_calendar_in_winter_and_in_summer():
    march_end = datetime(2026, 4, 1, 3, 59, tzinfo=UTC)  # 23:59 EDT on 31 March
    january_end = datetime(2026, 2, 1, 4, 59, tzinfo=UTC)  # 23:59 EST on 31 January
    rows = report_rows([IncidentFacts("A", "eny", "shooting", march_end, march_end),
                        IncidentFacts("B", "eny", "shooting", january_end, january_end)], [], NY,
                       NOW)
    assert [r.month for r in rows] == ["2026-01", "2026-03"]


def test_the_window_is_local_midnight_to_local_midnight_whatever_the_offset():
    assert window_bounds(date(2026, 3, 1), date(2026, 4, 1), NY) == (
        datetime(2026, 3, 1, 5, 0, tzinfo=UTC), datetime(2026, 4, 1, 4, 0, tzinfo=UTC))
    start, end = window_bounds(date(2026, 11, 1), date(2026, 11, 2), NY)
    assert (start, end - start) == (datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
                                                   timedelta(hours=25))


def test_takedown_reminders_are_not_shootings():
    reminder = shooting("TD1-0-eny", kind="takedown", ack=1, outcome="reported")
    assert report_rows([reminder], [], NY, NOW) == []
    row = only_row(shooting("I-1", ack=12), reminder)
    assert (row.incidents, values(row)["ack_median_min"], values(row)["other"]) == (1, 12.0, 0)


def test_outcomes_are_counted_per_team_and_the_unclosed_are_still_open():
    row = only_row(shooting("1", outcome="mediated"), shooting("2", outcome="mediated"),
                   shooting("3", outcome="hospital-visit"), shooting("4", outcome="referred"),
                   shooting("5", outcome="no-contact"), shooting("6", outcome="other"),
                   shooting("7", outcome="something-new"), shooting("8"))
    shown = values(row)
    assert {c: shown[c] for c in ("mediated", "hospital_visit", "referred", "no_contact", "other",
                                  "still_open")} == {
        "mediated": 2, "hospital_visit": 1, "referred": 1, "no_contact": 1, "other": 2,
        "still_open": 1}


def test_teams_and_months_are_separate_rows_in_order():
    rows = report_rows([shooting("1", "jam"), shooting("2", "eny"), shooting("3", "eny"),
                        shooting("4", "eny", received=RECEIVED + timedelta(days=31))], [], NY,
                       NOW + timedelta(days=31))
    assert [(r.team, r.month, r.incidents) for r in rows] == [
        ("eny", "2026-07", 2), ("eny", "2026-08", 1), ("jam", "2026-07", 1)]


def test_a_follow_up_counts_once_due_and_is_done_once_answered():
    day = timedelta(hours=24)
    answered = FollowUp(RECEIVED + day, RECEIVED + day + timedelta(hours=2))
    unanswered = FollowUp(RECEIVED + 3 * day)
    not_yet = FollowUp(RECEIVED + 40 * day)
    moot = FollowUp(RECEIVED + 3 * day, RECEIVED + 2 * day)  # closed before it was due
    row = only_row(shooting("1", followups=(answered, unanswered)),
                   shooting("2", followups=(not_yet, moot)))
    assert (row.followups_due, row.followups_done) == (2, 1)


def test_takedown_plans_count_their_steps_and_answers_in_the_month_of_their_date():
    plans = (TakedownFacts(1, "eny", date(2026, 7, 30), steps_sent=5, steps_answered=4),
             TakedownFacts(2, "eny", date(2026, 7, 2), cancelled=True, steps_sent=1,
                           steps_answered=0),
             TakedownFacts(3, "eny", date(2026, 7, 9), cancelled=True),  # nothing went out
             TakedownFacts(4, "eny", date(2026, 8, 1), steps_sent=1))
    rows = report_rows([shooting("1")], plans, NY, NOW)
    assert [(r.month, r.incidents, r.takedowns, r.takedown_steps_sent, r.takedown_steps_answered)
            for r in rows] == [("2026-07", 1, 2, 6, 4), ("2026-08", 0, 1, 1, 0)]
    august = values(rows[1])
    assert august["ack_median_min"] is None and august["still_open"] == 0


def test_csv_has_a_header_and_empty_cells_where_nothing_was_measured():
    rows = report_rows([shooting("1", ack=4), shooting("2", "jam")], [], NY, NOW)
    parsed = list(csv.reader(io.StringIO(as_csv(rows), newline="")))
    assert parsed[0] == list(COLUMNS)
    assert parsed[1][:6] == ["eny", "2026-07", "1", "4.0", "4.0", "100.0"]
    assert parsed[2][:6] == ["jam", "2026-07", "1", "", "", "0.0"]
    assert as_csv(rows).endswith("\r\n")
    assert as_csv([]) == ",".join(COLUMNS) + "\r\n"


def test_json_has_one_object_per_row_keyed_by_column():
    shown = as_json(report_rows([shooting(ack=4)], [], NY, NOW))
    assert len(shown) == 1 and list(shown[0]) == list(COLUMNS)
    assert shown[0]["ack_median_min"] == 4.0 and shown[0]["scene_median_min"] is None
    assert as_json([]) == []


def test_the_table_aligns_names_left_and_numbers_right():
    rows = report_rows([shooting("1", "eny", ack=4), shooting("2", "life-camp-jamaica", ack=12.5)],
                       [], NY, NOW)
    header, first, second = as_table(rows).splitlines()
    assert header.split() == list(COLUMNS)
    assert first.startswith("eny                2026-07")
    assert second.startswith("life-camp-jamaica  2026-07")
    end = header.index("ack_median_min") + len("ack_median_min")
    assert first[:end].endswith(" 4.0") and second[:end].endswith("12.5")
    assert first.split()[6] == "-"  # no one on scene


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "07/04/2026", "20260704", "", "soon",
                                  "2026-W27-1", "0001-01-01"])
def test_dates_are_yyyy_mm_dd_and_the_error_names_the_field(text):
    with pytest.raises(ReportError, match=r"^--since: .* is not a date; write YYYY-MM-DD") as caught:
        parse_day(text, "--since")
    assert caught.value.field == "--since"


def test_the_default_window_is_a_year_of_months_up_to_today():
    assert default_window(date(2026, 7, 15)) == (date(2025, 8, 1), date(2026, 7, 16))
    assert default_window(date(2026, 12, 31)) == (date(2026, 1, 1), date(2027, 1, 1))
    assert default_window(date(2027, 1, 1)) == (date(2026, 2, 1), date(2027, 1, 2))


def test_until_must_come_after_since():
    assert parse_day(" 2026-07-04 ", "since") == date(2026, 7, 4)
    check_window(date(2026, 7, 1), date(2026, 7, 2))
    with pytest.raises(ReportError, match="until 2026-07-01 must be after since 2026-07-01") as caught:
        check_window(date(2026, 7, 1), date(2026, 7, 1))
    assert caught.value.field == "until"


def test_a_cancelled_report_and_a_team_released_by_a_corrected_location_are_no_shootings():
    counted = shooting("I-1", ack=3)
    cancelled = replace(shooting("I-2", ack=4), cancelled=True)
    released = shooting("I-3", outcome="released")
    assert only_row(counted, cancelled, released).incidents == 1
