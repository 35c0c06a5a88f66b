"""Durations as written in the sites file."""

from datetime import timedelta

import pytest

from alerts.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("10m", timedelta(minutes=10)), ("24h", timedelta(hours=24)), ("3d", timedelta(days=3)),
    ("90s", timedelta(seconds=90)), ("1h30m", timedelta(minutes=90)), (" 2 h ", timedelta(hours=2)),
    (15, timedelta(minutes=15)),
])
def test_durations_are_read(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "0m", "-5m", "5x", None, True, 1.5])
def test_nonsense_is_refused(text):
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(("text", "shortest"), [
    ("10m", "10m"), ("24h", "1d"), ("90m", "1h30m"), ("1d2h3m4s", "1d2h3m4s"), ("120s", "2m"),
])
def test_formatting_gives_the_shortest_spelling(text, shortest):
    assert format_duration(parse_duration(text)) == shortest
