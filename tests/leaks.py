"""What the suite's log audit counts as a leak: a phone number or a secret in a log line."""

from __future__ import annotations

import re

from bot.config.logs import redact_phones

# Every phone number the suite uses is a fictional one: North American 555-0XXX (the sample
# sites, the doubles, the tests), or the UK's drama range 020 7946 0XXX. With separators taken
# out, a line that carries one in any spelling or glue (x12125550175, +44 20 7946 0958) still
# reads as one: this catches forms the redactor misses, independently of the redactor.
_FICTIONAL = re.compile(r"[2-9]\d\d5550\d{3}|2079460\d{3}")
_SEPARATORS = re.compile(r"[\s().\-]")


def leaks_a_phone(text: str) -> bool:
    """Whether `text` shows a phone number that the redactor, or the suite's own numbers, find."""
    return redact_phones(text) != text or _FICTIONAL.search(_SEPARATORS.sub("", text)) is not None


def leaks(text: str, secrets: tuple[str, ...]) -> bool:
    """Whether `text` shows a phone number or one of `secrets`."""
    return leaks_a_phone(text) or any(secret in text for secret in secrets)
