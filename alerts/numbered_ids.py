"""Numbered ids people type: TD-7 for a takedown plan, B-3 for a broadcast."""

from __future__ import annotations


def id_number(reference: str, prefix: str) -> int | None:
    """"TD-7", "td7" or "7" with prefix "TD" -> 7; None when `reference` is no such id."""
    text = reference.strip().upper().removeprefix(prefix).lstrip("-")
    # isdecimal, not isdigit: int() refuses "²"; and at most 9 digits, a database integer.
    if not (text.isascii() and text.isdecimal()) or len(text) > 9:
        return None
    return int(text)
