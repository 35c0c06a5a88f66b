"""Logs never carry a full phone number."""

import json
import logging
from datetime import UTC, datetime
from re import _parser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.logs import (
    _PHONE,
    JsonFormatter,
    RedactingFilter,
    TextFormatter,
    configure,
    redact_phones,
)
from tests.leaks import leaks_a_phone


@pytest.mark.parametrize(("text", "shown"), [
    ("to +12125550175 ok", "to ***0175 ok"),
    ("call (212) 555-0175", "call ***0175"),
    ("212-555-0175", "***0175"),
    ("1-212-555-0175.", "***0175."),
    ("+442079460000", "***0000"),
    # what must survive: times, coordinates, Twilio SIDs, incident ids
    ("2026-07-04 23:15:00", "2026-07-04 23:15:00"),
    ("40.6712 -73.9002", "40.6712 -73.9002"),
    ("SM01234567890123456789abcdef", "SM01234567890123456789abcdef"),
    ("incident NYPD-261234567", "incident NYPD-261234567"),
    ("sent as 1795926000.000100", "sent as 1795926000.000100"),  # a Slack ts
    # glued to letters, and spaced international numbers
    ("x12125550175", "x***0175"),
    ("from:x2125550175y", "from:x***0175y"),
    ("call2125550175 now", "call***0175 now"),
    ("tel:+12125550175", "tel:***0175"),
    ("+44 20 7946 0958", "***0958"),
    ("+44 (0)20 7946 0958.", "***0958."),
    ("+1 (212) 555-0175", "***0175"),
    ("+33 1 23 45 67 89", "***6789"),
    ("+49-30-1234567", "***4567"),
    ("212.555.0175 and 1 212 555 0175", "***0175 and ***0175"),
    # ordinary things that survive
    ("2026-07-04T23:15:00-04:00", "2026-07-04T23:15:00-04:00"),
    ("at 2026-07-04 23:15:00,123+00:00", "at 2026-07-04 23:15:00,123+00:00"),
    ("20260704T231500Z", "20260704T231500Z"),
    ("incident DEMO-130917-1", "incident DEMO-130917-1"),
    ("incident NYPD-2612345678", "incident NYPD-2612345678"),
    ("took 1250 ms, 12.5 ms, 250ms, 3600s, 1h30m", "took 1250 ms, 12.5 ms, 250ms, 3600s, 1h30m"),
    ("epoch 1795926000, in ms 1795926000123", "epoch 1795926000, in ms 1795926000123"),
    ("job 7f3e2a10-9c4b-4d2e-8a6f-ab2125550175", "job 7f3e2a10-9c4b-4d2e-8a6f-ab2125550175"),
    ("SMab2125550175cdef0123456789abcdef01", "SMab2125550175cdef0123456789abcdef01"),
    ("sha 0123456789abcdef0123456789abcdef0123456789abcdef2125550175abcdef",
     "sha 0123456789abcdef0123456789abcdef0123456789abcdef2125550175abcdef"),
    ("40.67121234567 -73.90021234567", "40.67121234567 -73.90021234567"),
    ("+5 +10 -3 UTC+05:30", "+5 +10 -3 UTC+05:30"),
])
def test_phone_numbers_are_cut_to_their_last_four_digits(text, shown):
    assert redact_phones(text) == shown


def test_a_record_with_a_phone_in_its_arguments_is_redacted_in_json_logs():
    record = logging.LogRecord("cmsbot", logging.INFO, __file__, 1, "sent to %s", ("+12125550175",),
                               None)
    assert RedactingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sent to ***0175" and line["level"] == "info"


@pytest.fixture
def root_logger():
    """configure() replaces the root handlers; give the suite's own back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def log_a_failure():
    log = logging.getLogger("cmsbot.test")
    log.info("first line\nsecond line to %s", "+12125550175")
    try:
        raise ValueError("Twilio refused +13475550140")
    except ValueError:
        log.exception("send failed")


def test_production_logs_are_one_json_object_per_line_with_phones_redacted(root_logger, capsys):
    configure("json")
    log_a_failure()
    lines = capsys.readouterr().err.splitlines()
    entries = [json.loads(line) for line in lines]  # every line is a whole object
    assert len(entries) == 2
    assert entries[0]["message"] == "first line\nsecond line to ***0175"
    assert entries[1]["level"] == "error" and entries[1]["logger"] == "cmsbot.test"
    assert "ValueError: Twilio refused ***0140" in entries[1]["error"]


def test_terminal_logs_are_readable_text_with_phones_redacted_even_in_tracebacks(root_logger,
                                                                                 capsys):
    configure("text")
    log_a_failure()
    err = capsys.readouterr().err
    assert " INFO    cmsbot.test: first line\nsecond line to ***0175" in err
    assert "Traceback (most recent call last)" in err
    assert "ValueError: Twilio refused ***0140" in err and "3475550140" not in err


def test_the_suites_log_audit_catches_numbers_the_redactor_would_miss():
    # The audit looks for the suite's own fictional numbers in any spelling, whatever the
    # redactor makes of them: a form the redactor misses still fails the suite.
    for line in ("x12125550175", "+44 20 7946 0958", "2 1 2 5 5 5 0 1 7 5", "(212)5550175x"):
        assert leaks_a_phone(line), line
    assert not leaks_a_phone("sent to ***0175 at 2026-07-04 23:15:00 for NYPD-261234567")


def test_a_redaction_attempt_reads_a_bounded_stretch_of_text():
    # The pattern's widest match is bounded (no `*` or `+` without a limit), and its lookbehinds
    # are fixed: wherever the engine tries it, it reads at most that much, so redacting is
    # linear in the length of the line, whatever the line holds.
    _low, high = _parser.parse(_PHONE.pattern).getwidth()
    assert 10 <= high <= 256


PHONES = st.one_of(
    st.from_regex(r"\+1[2-9]\d\d[2-9]\d{6}", fullmatch=True),
    st.from_regex(r"\+44 20 79\d\d \d{4}", fullmatch=True),
    st.from_regex(r"\([2-9]\d\d\) [2-9]\d\d-\d{4}", fullmatch=True),
    st.from_regex(r"1?[2-9]\d\d[2-9]\d{6}", fullmatch=True),
)
TEXT = st.text(st.sampled_from("0123456789 +-().:,xyzABCDEFabcdef\n"), max_size=300)


@given(before=TEXT, phone=PHONES, glue=st.sampled_from(["", " ", "x", "tel:", "Ray "]),
       after=TEXT)
def test_a_phone_number_in_arbitrary_text_never_survives(before, phone, glue, after):
    text = f"{before} {glue}{phone} {after}"
    redacted = redact_phones(text)
    assert phone not in redacted
    assert redact_phones(redacted) == redacted  # nothing new appears: it is redacted once


@given(st.text(max_size=2000).filter(lambda text: sum(char.isdigit() for char in text) <= 7))
def test_arbitrary_text_without_enough_digits_for_a_phone_number_survives_whole(text):
    assert redact_phones(text) == text


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2026, 12, 2, 6, 56, 3, tzinfo=UTC), "01:56:03 EST"),
    (datetime(2026, 7, 4, 3, 15, 0, tzinfo=UTC), "23:15:00 EDT"),
])
def test_text_lines_are_timed_in_the_citys_zone_with_the_zone_shown(moment, shown):
    record = logging.LogRecord("cmsbot", logging.WARNING, __file__, 1, "SMS go to the outbox",
                               None, None)
    record.created = moment.timestamp()
    line = TextFormatter("America/New_York").format(record)
    assert line == f"{shown} WARNING cmsbot: SMS go to the outbox"
