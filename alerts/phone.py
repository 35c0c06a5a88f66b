"""Phone numbers: normalised to E.164 once at the edge, redacted whenever they are shown."""

from __future__ import annotations

import functools
import re

import phonenumbers

from alerts.shown import shown

_DIGITS = re.compile(r"\d")


class PhoneError(ValueError):
    """A phone number that cannot be dialled."""


# Pure, and slow (phonenumbers' metadata walk, ~100 us): the roster's numbers are checked again
# each time a process rereads it, and the same senders text again and again.
@functools.lru_cache(maxsize=8192)
def normalise(raw: str, region: str = "US") -> str:
    """The E.164 form of a phone number (`+12125550175`); raise PhoneError if it is not valid."""
    # A value no one can dial is nobody's number: it is shown as typed, for the operator to
    # find; a number that passes is redacted wherever it is shown.
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise PhoneError(f"phone {shown(raw)} is not a phone number") from None
    # 555-01xx numbers are reserved for fiction and examples; accept them so samples validate.
    if not (phonenumbers.is_valid_number(parsed) or phonenumbers.is_possible_number(parsed)):
        raise PhoneError(f"phone {shown(raw)} is not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def redact(phone: str) -> str:
    """Only the last four digits, for logs and API answers: `***0175`."""
    digits = "".join(_DIGITS.findall(phone))
    return f"***{digits[-4:]}" if len(digits) >= 4 else "***"
