"""OFF, ON and YES by SMS, the end times people type, and when a member's next shift starts."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.replies import Refused, parse_reply
from alerts.shifts import parse_shift
from alerts.time_off import Consent, On, TimeOff, parse_time_off, until_next_shift
from alerts.until import At, For, UntilError, parse_until, resolve

NY = ZoneInfo("America/New_York")
TEN_PM = datetime(2026, 7, 15, 22, 0, tzinfo=NY)  # a Wednesday


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


TEXTS = [
    ("OFF", TimeOff()),
    ("off.", TimeOff()),
    ("  Off  ", TimeOff()),
    ("OFF until 8am", TimeOff(local(2026, 7, 16, 8, 0))),
    ("off till 8:30 AM", TimeOff(local(2026, 7, 16, 8, 30))),
    ("OFF until tomorrow 9am", TimeOff(local(2026, 7, 16, 9, 0))),
    ("OFF until 9am tomorrow", TimeOff(local(2026, 7, 16, 9, 0))),
    ("OFF until mon 9am", TimeOff(local(2026, 7, 20, 9, 0))),
    ("OFF until 23:00", TimeOff(local(2026, 7, 15, 23, 0))),
    ("OFF until noon", TimeOff(local(2026, 7, 16, 12, 0))),
    ("OFF 12h", TimeOff(local(2026, 7, 16, 10, 0))),
    ("OFF for 3d", TimeOff(local(2026, 7, 18, 22, 0))),
    ("off 3d!", TimeOff(local(2026, 7, 18, 22, 0))),
    ("OFF tomorrow 9am", TimeOff(local(2026, 7, 16, 9, 0))),
    ("ON", On()),
    ("on", On()),
    ("YES", Consent()),
    ("yes!", Consent()),
]


@pytest.mark.parametrize(("text", "expected"), TEXTS)
def test_availability_texts_are_understood(text, expected):
    assert parse_time_off(text, TEN_PM, NY) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("OFF until blah", "'blah' is not a time"),
    ("OFF until", "Say until when"),
    ("OFF until 8", "8 what?"),
    ("OFF until today 9am", "09:00 has passed"),
    ("OFF until 25:00", "is not a time of day"),
    ("OFF for the day", "is not a time"),
    ("OFF 1000d", "too long"),
    ("OFF tomorrow", "is not a time"),
])
def test_a_bad_off_or_on_is_refused_with_the_forms(text, says):
    answer = parse_time_off(text, TEN_PM, NY)
    assert isinstance(answer, Refused), answer
    assert says in answer.reason and "OFF until 8am" in answer.reason


@pytest.mark.parametrize("text", ["12K", "OK 12", "STOP", "HELP", "SOS", "ACK", "12A", "ok",
                                  "yes please", "yes I'm going", "OFFICER down", "ONE more",
                                  "NOTE 12 off duty", "\u017fos", "",
                                  "ON my way", "on it", "OFF to the hospital", "off scene now"])
def test_reply_codes_and_other_texts_are_left_to_parse_reply(text):
    assert parse_time_off(text, TEN_PM, NY) is None


@pytest.mark.parametrize("text", ["OFF", "ON", "YES", "off until 8am", "OFF 3d"])
def test_no_availability_text_is_a_reply_code(text):
    assert isinstance(parse_reply(text), Refused)


@pytest.mark.parametrize(("text", "expected"), [
    ("8am", At(8)), ("8 AM", At(8)), ("8 a.m.", At(8)), ("8 o'clock", None), ("08:00", At(8)),
    ("8:05pm", At(20, 5)), ("12am", At(0)),
    ("12pm", At(12)), ("midnight", At(0)), ("tomorrow 9am", At(9, 0, "tomorrow")),
    ("tonight 11pm", At(23, 0, "today")), ("Thursday 7a", At(7, 0, "thu")),
    ("12h", For(timedelta(hours=12))), ("for 3d", For(timedelta(days=3))),
    ("1h30m", For(timedelta(minutes=90))),
])
def test_end_times_as_people_type_them(text, expected):
    if expected is None:  # refused, not guessed
        with pytest.raises(UntilError):
            parse_until(text)
        return
    assert parse_until(text) == expected


@pytest.mark.parametrize(("until", "now", "expected"), [
    (At(8), TEN_PM, local(2026, 7, 16, 8, 0)),  # 8am when it is 10pm is tomorrow
    (At(23), TEN_PM, local(2026, 7, 15, 23, 0)),  # still today
    (At(22), TEN_PM, local(2026, 7, 16, 22, 0)),  # now is not in the future
    (At(9, 0, "wed"), TEN_PM, local(2026, 7, 22, 9, 0)),  # today's passed: next week
    (At(23, 0, "wed"), TEN_PM, local(2026, 7, 15, 23, 0)),
    (At(9, 0, "tomorrow"), TEN_PM.astimezone(UTC), local(2026, 7, 16, 9, 0)),  # now in UTC
])
def test_a_time_resolves_to_its_next_occurrence(until, now, expected):
    resolved = resolve(until, now, NY)
    assert resolved == expected and resolved > now and resolved.tzinfo is NY


def test_across_the_fall_back_night():
    # 1 Nov 2026, New York: 01:59 EDT is followed by 01:00 EST.
    before = local(2026, 10, 31, 22, 0)
    assert resolve(At(8), before, NY) == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    assert resolve(For(timedelta(hours=12)), before, NY) == local(2026, 11, 1, 9, 0)  # elapsed
    assert resolve(At(1, 30), before, NY).utcoffset() == timedelta(hours=-4)  # the first 1:30
    # At 1:45 EDT the second 1:30 (EST) is still to come. (Compared in UTC: an ambiguous wall
    # time never equals a datetime of another zone.)
    second = resolve(At(1, 30), local(2026, 11, 1, 1, 45), NY)
    assert second.fold == 1 and second.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert resolve(At(9, 0, "mon"), before, NY) == local(2026, 11, 2, 9, 0)


def test_a_time_the_clocks_skip_is_just_after_the_gap():
    assert resolve(At(2, 30), local(2026, 3, 8, 1, 0), NY) == local(2026, 3, 8, 3, 30)


def test_today_at_a_time_past_is_refused_not_moved():
    with pytest.raises(UntilError, match="has passed"):
        resolve(At(9, 0, "today"), TEN_PM, NY)


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        resolve(At(8), datetime(2026, 7, 15, 22, 0), NY)


EVENINGS = (parse_shift("mon-fri 18:00-02:00"),)


@pytest.mark.parametrize(("shifts", "now", "expected"), [
    (EVENINGS, local(2026, 7, 15, 12, 0), local(2026, 7, 15, 18, 0)),  # later today
    (EVENINGS, local(2026, 7, 15, 17, 59, 30), local(2026, 7, 15, 18, 0)),
    (EVENINGS, local(2026, 7, 15, 20, 0), local(2026, 7, 16, 18, 0)),  # on shift: the next one
    (EVENINGS, local(2026, 7, 15, 18, 0, 30), local(2026, 7, 16, 18, 0)),
    (EVENINGS, local(2026, 7, 17, 23, 0), local(2026, 7, 20, 18, 0)),  # friday: monday's
    ((*EVENINGS, parse_shift("sat 10:00-16:00")), local(2026, 7, 17, 23, 0),
     local(2026, 7, 18, 10, 0)),
    ((parse_shift("sun 01:30-04:00"),), local(2026, 10, 31, 22, 0),
     datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # the first 1:30 of the fall-back night
    ((parse_shift("mon 09:00-17:00"),), local(2026, 10, 31, 22, 0), local(2026, 11, 2, 9, 0)),
    ((), local(2026, 7, 15, 12, 0), None),
])
def test_until_next_shift_is_when_the_next_window_opens(shifts, now, expected):
    # Compared in UTC: an ambiguous wall time never equals a datetime of another zone.
    start = until_next_shift(shifts, now)
    assert (start and start.astimezone(UTC)) == (expected and expected.astimezone(UTC))


ODD = ["OFF", "ON", "YES", "until", "till", "for", "8am", "8", "tomorrow", "mon", "12h", "0h",
       "3d", "99999999999999999d", "25:00", "12:60", "0am", "\u00a0", "\u212a", "\u0663",
       "\u017f", "\U0001f600", ".", "!", "x" * 500, "9" * 500, "noon", "today", ""]


def test_odd_texts_give_an_answer_or_a_refusal_and_nothing_else():
    for combo in itertools.product(ODD, repeat=3):
        answer = parse_time_off(" ".join(combo), TEN_PM, NY)
        assert answer is None or isinstance(answer, TimeOff | On | Consent | Refused)
        if isinstance(answer, TimeOff) and answer.until is not None:
            assert answer.until > TEN_PM
        if isinstance(answer, Refused):
            assert answer.reason.strip()
