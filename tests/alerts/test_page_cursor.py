"""The listing's cursor: it gives back the position it was made from, and nothing else."""

from datetime import UTC, datetime

import pytest

from alerts.page_cursor import CursorError, cursor_key, decode_cursor, encode_cursor

KEY = cursor_key("test-ingest-token")
AT = datetime(2026, 7, 5, 3, 20, 0, 123456, tzinfo=UTC)


def test_a_cursor_round_trips_to_the_microsecond():
    cursor = encode_cursor((AT, "NYPD-261234567"), KEY)
    assert decode_cursor(cursor, KEY) == (AT, "NYPD-261234567")
    assert "NYPD" not in cursor and cursor.isascii()


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


CURSOR = encode_cursor((AT, "NYPD-1"), KEY)


@pytest.mark.parametrize("cursor", [
    "", "garbage", "a.b", CURSOR[:-3], CURSOR + "x", flip(CURSOR, 3), flip(CURSOR, -2),
    CURSOR.replace(".", ""), "é.é", encode_cursor((AT, "NYPD-1"), cursor_key("another token")),
])
def test_a_changed_cut_or_foreign_cursor_is_refused(cursor):
    with pytest.raises(CursorError, match="not a cursor this server gave out"):
        decode_cursor(cursor, KEY)
