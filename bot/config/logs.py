"""Logging: readable in a terminal, one JSON object per line in production, phones redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

# What counts as a phone number, in one pass over the text:
# - international, after a "+": +12125550175, +44 20 7946 0958, +44 (0)20 7946 0958, +1-212-555-0175,
#   glued to anything (tel:+1..., x+1...), when it has 8 digits or more;
# - North American, with or without a leading 1: 2125550175, (212) 555-0175, 212.555.0175,
#   1 212 555 0175, also glued to letters (x12125550175), with the area code and exchange
#   starting 2-9 as the numbering plan has them.
# Not phone numbers: a longer run of digits (epoch milliseconds, hashes), a decimal's digits
# (a Slack ts such as 1795926000.000100, coordinates), an id such as NYPD-2612345678, and digits
# inside a hexadecimal identifier (Twilio SIDs, uuids), which _hex_identifier tells apart.
# Linear time: every quantifier is bounded, the repeated ones possessive, so an attempt at any
# one place reads a bounded stretch of text and cannot backtrack through the ways of splitting
# a run of digits (tests/bot/config/test_logs.py checks the bound).
_SEPARATOR = r"(?:[ .\-]|[ .\-]?\(\d{1,4}+\)[ .\-]?)"
_PHONE = re.compile(
    rf"(?P<international>\+\d{{1,15}}+(?:{_SEPARATOR}\d{{1,15}}+){{0,8}}+)"
    r"|(?<!\d)(?<!\d\.)(?<![A-Z][A-Z]-)"
    r"(?P<national>(?:1[ .\-]?+)?+(?:\([2-9]\d\d\)[ .\-]?+|[2-9]\d\d[ .\-]?+)[2-9]\d\d[ .\-]?+\d{4})"
    r"(?!\d|\.\d)")
_INTERNATIONAL_DIGITS = 8
# How far either side of a national number its enclosing identifier is looked at.
_WINDOW = 48
_IDENTIFIER_CHARS = frozenset("0123456789abcdefABCDEF-")
_LETTERS = frozenset("abcdefABCDEF")


def redact_phones(text: str) -> str:
    """Replace anything that looks like a phone number by its last four digits."""
    return _PHONE.sub(_redacted, text)


def _redacted(match: re.Match[str]) -> str:
    found = match.group()
    digits = "".join(char for char in found if char.isdecimal())  # what \d matched, any script
    if match.group("international") and len(digits) < _INTERNATIONAL_DIGITS:
        return found  # a UTC offset, a sum: too short for a phone number
    if match.group("national") and _hex_identifier(match.string, match.start(), match.end()):
        return found
    return f"***{digits[-4:]}"


def _hex_identifier(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies inside a hexadecimal identifier: a run of 16 or more hex
    digits (dashes allowed; a two-letter prefix such as Twilio's SM allowed) with letters among
    them. A phone number glued to a word (x12125550175, call2125550175) is not in one. Looks at
    most _WINDOW characters either side: a run that goes on past them is an identifier."""
    low, high = max(0, start - _WINDOW), min(len(text), end + _WINDOW)
    left, right = start, end
    while left > low and text[left - 1] in _IDENTIFIER_CHARS:
        left -= 1
    while right < high and text[right] in _IDENTIFIER_CHARS:
        right += 1
    run = text[left:right]
    glued_before = left > low and text[left - 1].isalnum() and not _sid_prefix(text[:left])
    glued_after = right < high and text[right].isalnum()
    if glued_before or glued_after:
        return False
    return len(run.replace("-", "")) >= 16 and any(char in _LETTERS for char in run)


def _sid_prefix(before: str) -> bool:
    # Twilio's SIDs are two capitals (SM, MM, AC, CA, MG, ...) and 32 hex digits.
    prefix = before[-2:]
    return len(prefix) == 2 and prefix.isascii() and prefix.isalpha() and prefix.isupper()


class RedactingFilter(logging.Filter):
    """Rewrites every record's message so no phone number reaches a log sink."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_phones(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


class _RedactingFormatter(logging.Formatter):
    """Redacts tracebacks and stacks too: the filter sees only messages."""

    def formatException(self, ei: Any) -> str:
        return redact_phones(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact_phones(super().formatStack(stack_info))


class JsonFormatter(_RedactingFormatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(_RedactingFormatter):
    """Readable lines for a terminal, timed in the city's zone with the zone shown (01:56:03
    EST), as the messages beside them are."""

    def __init__(self, tz_name: str = "America/New_York") -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self.tz = ZoneInfo(tz_name)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.tz).strftime("%H:%M:%S %Z")


def configure(log_format: str = "text", level: int | str = logging.INFO,
              tz_name: str = "America/New_York") -> None:
    """Send logs to stderr in the chosen format, redacting phone numbers on the way; text
    lines carry the time in `tz_name` (JSON keeps UTC)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter(tz_name))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()


# Libraries that log every request at INFO (twilio logs query strings, with phone numbers in
# them) or chatter about routine work: only their warnings reach our logs.
NOISY = ("aiohttp.access", "rq.worker", "rq.scheduler", "alembic.runtime.migration", "twilio",
         "slack_bolt", "slack_sdk", "asyncio")


def quiet_libraries() -> None:
    """Keep the libraries in NOISY at WARNING."""
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
