"""A bad value from outside, shown back to the operator as it was typed, on one short line."""

from __future__ import annotations

import json

LIMIT = 40


def shown(value: object) -> str:
    """`"555"` for text (quoted, escaped, cut to 40 characters), `12` or `[1, 2]` for the rest.

    Only for values being refused: a valid phone number is never passed here, it is redacted.
    """
    if isinstance(value, str):
        text = value if len(value) <= LIMIT else value[:LIMIT] + "..."
        return json.dumps(text, ensure_ascii=False)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):  # a date key; a list inside itself
        text = type(value).__name__
    return text if len(text) <= LIMIT else text[:LIMIT] + "..."
