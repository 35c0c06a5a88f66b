"""Logging: readable in a terminal, one JSON object per line in production, phones redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# E.164 and the usual US spellings: +12125550175, 212-555-0175, (212) 555-0175, 2125550175.
# A decimal like a Slack ts (1795926000.000100) is not a phone number.
_PHONE = re.compile(r"(?<!\w)\+\d{10,15}(?!\w)"
                    r"|(?<![\w+.])(?:1[-. ]?)?\(?\d{3}\)?[-. ]?\d{3}[-. ]?\d{4}(?!\w|\.\d)")


def redact_phones(text: str) -> str:
    """Replace anything that looks like a phone number by its last four digits."""
    return _PHONE.sub(lambda match: f"***{re.sub(r'[^0-9]', '', match.group())[-4:]}", text)


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
    """Readable lines for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")


def configure(log_format: str = "text", level: int | str = logging.INFO) -> None:
    """Send logs to stderr in the chosen format, redacting phone numbers on the way."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
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
