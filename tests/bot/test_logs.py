"""Logs never carry a full phone number."""

import json
import logging

import pytest

from bot.logs import JsonFormatter, RedactingFilter, redact_phones


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
