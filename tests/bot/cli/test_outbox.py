"""`cmsbot outbox`: a call shows as what it would say, with its keys, and whom it would ring."""

from datetime import UTC, datetime

from bot.cli.outbox import format_entry
from bot.store.outbox import OutboxEntry

AT = datetime(2026, 7, 5, 6, 4, tzinfo=UTC)


def entry(channel, body):
    return OutboxEntry(1, "k", channel, "staff", "+13475550140", "Luis Feliz",
                       "brag-mott-haven", body, AT)


def test_a_call_shows_what_it_would_say_wrapped_and_the_number_redacted():
    shown = format_entry(entry("voice", "This is the Crisis Management System with alert number "
                                        "1 for Bronx Rises. Press 1 to acknowledge, or 9 to hear "
                                        "this again."), "America/New_York")
    lines = shown.splitlines()
    assert lines[0] == "02:04:00 EDT CALL to Luis Feliz ***0140 [brag-mott-haven]"
    assert lines[1].startswith("    | says: This is the Crisis Management System")
    assert " ".join(line[6:] for line in lines[1:]).endswith(
        "Press 1 to acknowledge, or 9 to hear this again.")
    assert all(len(line) <= 100 for line in lines)


def test_a_text_shows_as_before():
    shown = format_entry(entry("sms", "CMS ALERT #1\nE 138 ST"), "America/New_York")
    assert shown.splitlines() == ["02:04:00 EDT SMS to Luis Feliz ***0140 [brag-mott-haven]",
                                  "    | CMS ALERT #1", "    | E 138 ST"]
