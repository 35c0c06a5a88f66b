"""GSM-7 for staff SMS: what fits the default alphabet, look-alike rendering, segment counts.

One character outside GSM-7 switches the whole message to UCS-2, which fits 70 characters per
SMS instead of 160; a curly quote pasted from a document can triple what an alert costs and
split it across phones that reassemble badly. Alerts are therefore rendered with `to_gsm7`
and sized with `segments`/`fit` before they reach the provider.

Alphabets are those of 3GPP TS 23.038 section 6.2.1 (default alphabet and its extension
table, no national language shift tables, which Twilio does not use).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

# The default alphabet in code order, 0x00-0x7F, minus 0x1B (the escape to the extension
# table, not a character a message can carry).
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + code, so it costs two septets.
GSM7_EXTENDED: frozenset[str] = frozenset("\f^{}\\[~]|€")
_GSM7 = GSM7_BASIC | GSM7_EXTENDED

ELLIPSIS = "..."
_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_CONCATENATED = {"GSM-7": 153, "UCS-2": 67}  # the rest of 140 bytes goes to the UDH

# Look-alikes NFKD cannot produce. Accented letters are not listed: NFKD plus dropping the
# combining marks handles them all (á -> a, Ê -> E, ç -> c), while é, Ñ, ü... stay as they are.
_LOOK_ALIKES = {
    "\t": " ",
    "\u2028": "\n",  # line separator
    "\u2029": "\n",  # paragraph separator
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "`": "'", "\u00b4": "'",  # GSM-7 has no backtick: 0x60 is ¿
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u2022": "-",
    "\u2026": ELLIPSIS,
    "\u0152": "OE", "\u0153": "oe", "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d",
}
# Stripped rather than replaced: controls, invisible format characters (zero-width joiners,
# soft hyphens, BOM) and stray combining marks such as emoji variation selectors.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Mn", "Mc", "Me"})


class Encoding(StrEnum):
    """How a message is sent: 7-bit GSM default alphabet, or 16-bit UCS-2 (UTF-16)."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 default alphabet or its extension table."""
    return all(ch in _GSM7 for ch in text)


def encoding(text: str) -> Encoding:
    """The encoding a provider will pick for `text`."""
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def to_gsm7(text: str) -> str:
    """Render `text` in GSM-7: look-alikes for common characters, "?" for the rest."""
    # NFC first, so that "e" + combining acute becomes é (GSM-7) rather than a bare "e".
    return "".join(_gsm7_char(ch) for ch in unicodedata.normalize("NFC", text))


def _gsm7_char(ch: str) -> str:
    if ch in _GSM7:
        return ch
    if ch in _LOOK_ALIKES:
        return _LOOK_ALIKES[ch]
    category = unicodedata.category(ch)
    if category in _DROPPED_CATEGORIES:
        return ""
    if category == "Zs":  # no-break, thin, ideographic... spaces
        return " "
    # Compatibility decomposition minus the accents: á -> a, ﬁ -> fi, full-width letters -> ASCII.
    decomposed = "".join(
        part for part in unicodedata.normalize("NFKD", ch)
        if not unicodedata.combining(part)
    )
    if decomposed and is_gsm7(decomposed):
        return decomposed
    return "?"


def _units(text: str) -> tuple[Encoding, list[int]]:
    """The encoding and the size of each character in its units (septets or UTF-16 units)."""
    if is_gsm7(text):
        return Encoding.GSM7, [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    # Outside the Basic Multilingual Plane a character is a surrogate pair: two units.
    return Encoding.UCS2, [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> int:
    """How many SMS segments `text` takes (an empty message still takes one)."""
    kind, sizes = _units(text)
    if sum(sizes) <= _SINGLE[kind]:
        return 1
    # Concatenated segments are packed greedily, and an escape pair or a surrogate pair is
    # never split across two of them: it moves whole to the next one, as handsets expect.
    count, used = 1, 0
    for size in sizes:
        if used + size > _CONCATENATED[kind]:
            count, used = count + 1, 0
        used += size
    return count


def fit(text: str, max_segments: int, footer: str = "") -> str:
    """`text` (then a space and `footer`) if it fits in `max_segments` SMS; else `text` is cut
    short and ended with "...", and the footer still follows whole.

    The footer is what must never be cut: carriers require a resident text to end with how to
    opt out, so "Reply STOP to opt out." is a footer, not the end of the text.
    """
    if max_segments < 1:
        raise ValueError(f"max_segments must be at least 1, got {max_segments}")
    whole = _join(text, footer)
    if segments(whole) <= max_segments:
        return whole
    if segments(_join(ELLIPSIS, footer)) > max_segments:
        raise ValueError(f"the footer alone does not fit in {max_segments} segment(s)")
    # Longest prefix that still fits with the ellipsis and the footer. More text never takes
    # fewer segments, so a binary search finds it. Cutting may drop the only UCS-2 character;
    # the prefix is then measured as GSM-7 and keeps more text.
    low, high = 0, len(text) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if segments(_join(_cut(text, middle), footer)) <= max_segments:
            low = middle
        else:
            high = middle - 1
    return _join(_cut(text, low), footer)


def _cut(text: str, length: int) -> str:
    return text[:length].rstrip() + ELLIPSIS


def _join(text: str, footer: str) -> str:
    return f"{text} {footer}" if footer and text else text or footer
