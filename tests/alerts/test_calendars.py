"""A person's calendar: weekly shifts at the city's wall-clock hours across daylight-saving
changes, their time off and covers as events of their own, and a feed a phone reads back the
same way every time it fetches it."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from alerts.calendar_links import CalendarOwner, link_secret, owner_for, owner_periods, owners
from alerts.calendars import CalendarPeriod, calendar_feed, override_periods, shift_periods
from alerts.overrides import Override
from alerts.shifts import parse_shift
from bot.config.settings import SAMPLE_SITES
from bot.config.sites_file import load_sites

NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
NIGHTS = (parse_shift("mon-sun 22:00-06:00"),)


def local_hours(periods):
    return [(p.starts.astimezone(NEW_YORK).strftime("%a %m-%d %H:%M"),
             p.ends.astimezone(NEW_YORK).strftime("%a %m-%d %H:%M")) for p in periods]


def elapsed(starts, ends):
    # In UTC: Python subtracts two times of one zone by their wall clocks.
    return ends.astimezone(UTC) - starts.astimezone(UTC)


def test_a_night_shift_keeps_its_wall_clock_hours_across_the_november_change():
    # 2026-11-01 is the fall-back Sunday: the night of Oct 31 lasts nine hours, not eight.
    periods = shift_periods(NIGHTS, "brag\x00luis feliz", "BRAG", date(2026, 10, 30), 1,
                            NEW_YORK)
    assert local_hours(periods)[:4] == [
        ("Fri 10-30 22:00", "Sat 10-31 06:00"), ("Sat 10-31 22:00", "Sun 11-01 06:00"),
        ("Sun 11-01 22:00", "Mon 11-02 06:00"), ("Mon 11-02 22:00", "Tue 11-03 06:00")]
    lengths = [elapsed(p.starts, p.ends) for p in periods]
    assert lengths[1] == timedelta(hours=9) and lengths[0] == lengths[2] == timedelta(hours=8)


def test_a_shift_crossing_midnight_ends_the_next_morning_and_one_late_on_sunday_ends_on_monday():
    weekend = (parse_shift("sat,sun 12:00-04:00"),)
    periods = shift_periods(weekend, "x", "Man Up!", date(2026, 12, 7), 1, NEW_YORK)
    assert local_hours(periods) == [("Sat 12-12 12:00", "Sun 12-13 04:00"),
                                    ("Sun 12-13 12:00", "Mon 12-14 04:00")]
    assert all(p.summary == "On shift: Man Up!" for p in periods)


def test_shifts_are_listed_for_the_weeks_asked_and_no_member_has_the_same_uids_as_another():
    mine = shift_periods(NIGHTS, "brag\x00luis feliz", "BRAG", date(2026, 12, 7), 2, NEW_YORK)
    theirs = shift_periods(NIGHTS, "brag\x00grace kim", "BRAG", date(2026, 12, 7), 2, NEW_YORK)
    assert len(mine) == 14
    assert not {p.uid for p in mine} & {p.uid for p in theirs}


def test_time_off_and_covers_show_for_the_person_off_and_the_person_covering():
    starts = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    cover = Override("brag", "Victor Adeyemi", "cover", starts, starts + timedelta(hours=12),
                     "Luis Feliz")
    off = Override("brag", "Grace Kim", "off", starts, starts + timedelta(days=1))
    ended = Override("brag", "Grace Kim", "off", starts - timedelta(days=3),
                     starts - timedelta(days=2))
    other_team = Override("man-up", "Grace Kim", "off", starts, starts + timedelta(days=1))
    overrides = (cover, off, ended, other_team)

    def summaries(name):
        return [p.summary for p in override_periods(overrides, "brag", name, starts, NEW_YORK)]

    assert summaries("Victor Adeyemi") == ["Covering for Luis Feliz"]
    assert summaries("luis feliz") == ["Off: covered by Victor Adeyemi"]
    assert summaries("Grace Kim") == ["Off"]  # not the one that is over, nor another team's
    victor = override_periods(overrides, "brag", "Victor Adeyemi", starts, NEW_YORK)[0]
    assert victor.starts == starts and victor.ends == starts + timedelta(hours=12)


def test_the_feed_reads_back_with_its_name_times_in_new_york_and_a_refresh_hint():
    periods = shift_periods(NIGHTS, "brag\x00luis feliz", "BRAG", date(2026, 10, 30), 1,
                            NEW_YORK)
    feed = Calendar.from_ical(calendar_feed("Luis Feliz", periods, STAMP))
    assert feed["X-WR-CALNAME"] == "CMS shifts: Luis Feliz"
    assert str(feed["REFRESH-INTERVAL"].to_ical().decode()) == "PT1H"
    assert feed["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert [tz.tz_name for tz in feed.timezones] == ["America/New_York"]
    first = feed.events[0]
    assert first.start == datetime(2026, 10, 30, 22, 0, tzinfo=NEW_YORK)
    assert str(first.start.tzinfo) == "America/New_York"
    assert first["DTSTAMP"].dt == STAMP
    assert [e["SUMMARY"] for e in feed.events] == ["On shift: BRAG"] * 7
    assert elapsed(feed.events[1].start, feed.events[1].end) == timedelta(hours=9)


def test_the_feed_is_the_same_bytes_for_the_same_periods_so_phones_update_not_duplicate():
    periods = shift_periods(NIGHTS, "o", "BRAG", date(2026, 12, 1), 1, NEW_YORK)
    assert calendar_feed("Luis Feliz", periods, STAMP) == calendar_feed("Luis Feliz", periods,
                                                                         STAMP)
    a_day_later = shift_periods(NIGHTS, "o", "BRAG", date(2026, 12, 2), 1, NEW_YORK)
    uids = {e["UID"] for e in Calendar.from_ical(calendar_feed("L", periods, STAMP)).events}
    later = {e["UID"] for e in Calendar.from_ical(calendar_feed("L", a_day_later, STAMP)).events}
    assert len(uids & later) == 6  # the nights both feeds hold keep their UIDs


def test_any_kind_of_period_goes_in_a_feed_and_one_with_none_is_still_a_calendar():
    on_call = CalendarPeriod("On call: coordinators", STAMP, STAMP + timedelta(weeks=1),
                             "rotation-1@cmsbot")
    feed = Calendar.from_ical(calendar_feed("Dana Reyes", [on_call], STAMP))
    assert feed.events[0].start == STAMP and feed.events[0]["UID"] == "rotation-1@cmsbot"
    assert Calendar.from_ical(calendar_feed("Dana Reyes", [], STAMP)).events == []


def test_a_link_opens_the_calendar_of_its_owner_only():
    sites = load_sites(SAMPLE_SITES).sites
    key, other_key = b"k" * 32, b"x" * 32
    keisha = next(o for o in owners(sites) if o.name == "Keisha Grant")
    secret = link_secret(key, keisha)
    assert len(secret) == 32 and secret.replace("-", "").replace("_", "").isalnum()
    assert owner_for(sites, key, secret) == keisha
    assert owner_for(sites, other_key, secret) is None
    assert owner_for(sites, key, secret[:-1]) is None
    coordinator = CalendarOwner("coordinators", "Coordinators", "Dana Reyes")
    assert owner_for(sites, key, link_secret(key, coordinator)) == coordinator
    now = datetime(2026, 12, 9, 17, 0, tzinfo=UTC)  # a Wednesday
    periods = owner_periods(sites, keisha, now)
    assert periods[0].starts.astimezone(NEW_YORK).date() >= date(2026, 12, 2)
    assert periods[-1].starts.astimezone(NEW_YORK).date() < date(2026, 12, 2) + timedelta(weeks=9)
    assert {p.summary for p in periods} == {"On shift: Man Up! (East New York)"}
