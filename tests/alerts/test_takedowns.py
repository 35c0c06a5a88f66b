"""Playbooks and takedown dates: wall-clock times that survive daylight saving."""

from datetime import UTC, date, datetime, time

import pytest

from alerts.gsm import is_gsm7, segments
from alerts.playbooks import PlaybookError, PlaybookStep, parse_step
from alerts.sites_parse import SitesError, parse_sites
from alerts.takedowns import TakedownError, parse_date, reminder_text, resolve_area, step_time
from tests.alerts.sitebuilder import LAYERS, NY, SITES, sites_data


@pytest.mark.parametrize(("raw", "expected"), [
    ({"at": "0d 18:00", "to": "team", "text": "Go"}, PlaybookStep(0, time(18, 0), "team", "Go")),
    ({"at": "1d 9:30", "text": "Go"}, PlaybookStep(1, time(9, 30), "team", "Go")),
    ({"at": "7d", "to": "residents", "text": " Hi  {area} "},
     PlaybookStep(7, time(10, 0), "residents", "Hi {area}")),
    ({"at": "30D 08:05", "text": "x"}, PlaybookStep(30, time(8, 5), "team", "x")),
])
def test_steps_are_read(raw, expected):
    assert parse_step(raw) == expected


@pytest.mark.parametrize(("raw", "says"), [
    ({"at": "tomorrow", "text": "x"}, "not a step time"),
    ({"at": "1d 25:00", "text": "x"}, "no such time"),
    ({"at": "1d", "to": "press", "text": "x"}, "team or residents"),
    ({"at": "1d"}, "text: is required"),
    ({"at": "1d", "text": "Go to {place}"}, "unknown placeholder {place}"),
])
def test_bad_steps_say_what_is_wrong(raw, says):
    with pytest.raises(PlaybookError, match=says):
        parse_step(raw)


def test_step_times_keep_the_wall_clock_across_daylight_saving():
    step = PlaybookStep(7, time(10, 0), "team", "x")
    # Takedown on Friday 2026-10-30 (EDT); a week later, 2026-11-06, New York is on EST.
    due = step_time(date(2026, 10, 30), step, NY)
    assert due.astimezone(NY).time() == time(10, 0)
    assert due.astimezone(UTC) == datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    before = step_time(date(2026, 10, 30), PlaybookStep(0, time(10, 0), "team", "x"), NY)
    assert before.astimezone(UTC) == datetime(2026, 10, 30, 14, 0, tzinfo=UTC)


def test_a_step_in_the_spring_forward_gap_moves_to_the_hour_after():
    due = step_time(date(2026, 3, 8), PlaybookStep(0, time(2, 30), "team", "x"), NY)
    assert due.astimezone(NY).hour == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("today", date(2026, 12, 5)), ("tomorrow", date(2026, 12, 6)),
    ("yesterday", date(2026, 12, 4)), ("2026-12-20", date(2026, 12, 20)),
    ("12/1", date(2026, 12, 1)), ("12/1/26", date(2026, 12, 1)), ("11/28/2026", date(2026, 11, 28)),
])
def test_dates_are_read(text, expected):
    assert parse_date(text, date(2026, 12, 5)) == expected


@pytest.mark.parametrize("text", ["someday", "13/45", "2026-02-30", "11/27/2026"])
def test_bad_or_too_old_dates_are_refused(text):
    with pytest.raises(TakedownError) as refused:
        parse_date(text, date(2026, 12, 5))
    assert refused.value.field == "date"


def test_areas_are_teams_precincts_or_geofences():
    assert resolve_area("eny", SITES).team_ids == ("eny",)
    precinct = resolve_area("precinct:73", SITES)
    assert (precinct.label, precinct.team_ids) == ("Precinct 73", ("bvl",))
    with pytest.raises(TakedownError, match="no team covers 'precinct:40'"):
        resolve_area("precinct:40", SITES)


def test_the_reminder_fills_the_playbook_and_says_how_to_answer():
    step = PlaybookStep(1, time(10, 0), "team", "Day 1: canvass {area} ({note}) since {date}")
    text = reminder_text(step, "Precinct 75", date(2026, 12, 5), "Linden Houses", 4, late=True)
    assert text.startswith("CMS TAKEDOWN #4 (day 1) LATE: Day 1: canvass Precinct 75 "
                           "(Linden Houses) since Sat 12/5")
    assert text.endswith("Reply 4A to confirm, 4N with a short report")
    long = reminder_text(PlaybookStep(0, time(18, 0), "team", "“Go” — " * 200), "X",
                         date(2026, 12, 5), "", 1, late=False)
    assert is_gsm7(long) and segments(long) <= 3


def test_playbooks_in_the_sites_file_are_checked_with_their_place():
    data = sites_data(takedown_playbooks={"default": [
        {"at": "0d 18:00", "text": "Go"}, {"at": "soon", "text": "x"}, {"at": "1d", "txt": "x"}]})
    with pytest.raises(SitesError) as refused:
        parse_sites(data, LAYERS, NY)
    where = {p.where for p in refused.value.problems}
    assert {"takedown_playbooks.default[1]", "takedown_playbooks.default[2].txt"} <= where
    good = parse_sites(sites_data(takedown_playbooks={"default": [{"at": "0d", "text": "Go"}]}),
                       LAYERS, NY)
    assert good.playbooks["default"][0].at == time(10, 0)
