"""Logs never carry a full phone number."""

import json
import logging

import pytest

from bot.config.logs import JsonFormatter, RedactingFilter, configure, redact_phones


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
