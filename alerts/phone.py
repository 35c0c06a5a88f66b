"""Phone numbers: normalised to E.164 once at the edge, redacted whenever they are shown."""

from __future__ import annotations

import json
import re

import phonenumbers

_DIGITS = re.compile(r"\d")


class PhoneError(ValueError):
    """A phone number that cannot be dialled."""


def normalise(raw: str, region: str = "US") -> str:
    """The E.164 form of a phone number (`+12125550175`); raise PhoneError if it is not valid."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise PhoneError(f"phone {_shown(raw)} is not a phone number") from None
    # 555-01xx numbers are reserved for fiction and examples; accept them so samples validate.
    if not (phonenumbers.is_valid_number(parsed) or phonenumbers.is_possible_number(parsed)):
        raise PhoneError(f"phone {_shown(raw)} is not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _shown(raw: str) -> str:
    # A value no one can dial is nobody's number, so it is shown as typed (quoted, escaped onto
    # one line, cut short) for the operator to find it; a dialable number never reaches here.
    text = raw if len(raw) <= 40 else raw[:40] + "..."
    return json.dumps(text, ensure_ascii=False)


def redact(phone: str) -> str:
    """Only the last four digits, for logs and API answers: `***0175`."""
    digits = "".join(_DIGITS.findall(phone))
    return f"***{digits[-4:]}" if len(digits) >= 4 else "***"
