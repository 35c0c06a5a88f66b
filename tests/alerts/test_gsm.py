"""GSM-7 rendering and SMS segment counting for staff alerts."""

from __future__ import annotations

import pytest

from alerts.gsm import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    Encoding,
    encoding,
    fit,
    is_gsm7,
    segments,
    to_gsm7,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("Shooting 75 Pct, PITKIN AVE & ROCKAWAY AVE. Reply 12A", True),
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ", True),
        ("¡ÄÖÑÜ§¿äöñüà ¤", True),
        ("^{}\\[~]|€\f", True),
        ("\u2019", False),  # curly apostrophe
        ("`", False),  # GSM-7 0x60 is ¿, not a backtick
        ("á", False),
        ("ç", False),  # only the capital Ç is in the alphabet
        ("\t", False),
        ("\x1b", False),  # the escape code is not a character
        ("\U0001f44d", False),  # thumbs up
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


def test_alphabet_sizes_match_3gpp_23_038() -> None:
    # 128 codes minus the escape; the extension table has 9 characters plus form feed.
    assert (len(GSM7_BASIC), len(GSM7_EXTENDED)) == (127, 10)
    assert not GSM7_BASIC & GSM7_EXTENDED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text stays", "plain text stays"),
        ("\u2018quoted\u2019 \u201cdouble\u201d \u201elow\u201d", "'quoted' \"double\" \"low\""),
        ("a \u2013 b \u2014 c \u2212 d", "a - b - c - d"),
        ("wait\u2026", "wait..."),
        ("12\u00a0Ave", "12 Ave"),  # no-break space
        ("12\u202fAve", "12 Ave"),  # narrow no-break space
        ("col1\tcol2", "col1 col2"),
        ("áíóú âêîôû ãõ ç", "aiou aeiou ao c"),
        ("ÁÍÓÚ ÂÊÎÔÛ ÃÕ", "AIOU AEIOU AO"),
        ("é è ù ì ò Ç Ñ ñ ü ö ä É Å å Ø ø Æ æ ß", "é è ù ì ò Ç Ñ ñ ü ö ä É Å å Ø ø Æ æ ß"),
        ("Jose\u0301", "José"),  # decomposed é becomes the GSM-7 é, not a bare e
        ("Zo\u00eb \u0141\u00f3d\u017a", "Zoe Lodz"),
        ("bell\x07 esc\x1b nul\x00 del\x7f", "bell esc nul del"),
        ("zero\u200bwidth soft\u00adhyphen \ufeffbom", "zerowidth softhyphen bom"),
        ("line\r\nbreak", "line\r\nbreak"),
        ("\u20ac5 [a] {b} ~c^ |d| \\e", "\u20ac5 [a] {b} ~c^ |d| \\e"),
        ("\uff21\uff22 \ufb01x", "AB fix"),  # full-width letters, ligature
        ("ok \U0001f44d", "ok ?"),
        ("\u2764\ufe0f", "?"),  # the variation selector goes, the heart becomes ?
        ("\u6e2c\u8a66 \u0410", "?? ?"),  # CJK, Cyrillic
        ("`tick\u00b4", "'tick'"),
    ],
)
def test_to_gsm7(text: str, expected: str) -> None:
    assert to_gsm7(text) == expected
    assert is_gsm7(to_gsm7(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", Encoding.GSM7),
        ("€[]", Encoding.GSM7),
        ("hólá", Encoding.UCS2),
        ("", Encoding.GSM7),
    ],
)
def test_encoding(text: str, expected: Encoding) -> None:
    assert encoding(text) == expected
    assert str(expected) in {"GSM-7", "UCS-2"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),  # 2 x 153
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),
        ("a" + "€" * 80, 2),
        # 152 septets, then an escape pair that would straddle the boundary moves whole.
        ("a" * 152 + "€" + "a" * 152, 3),
        ("a" * 151 + "€" + "a" * 153, 2),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),  # 2 x 67
        ("á" * 135, 3),
        ("\U0001f44d" * 35, 1),  # 70 UTF-16 units
        ("\U0001f44d" * 36, 2),
        # 66 units, then a surrogate pair that would straddle the boundary moves whole.
        ("á" * 66 + "\U0001f44d" + "á" * 66, 3),
        ("á" * 65 + "\U0001f44d" + "á" * 67, 2),
    ],
)
def test_segments(text: str, expected: int) -> None:
    assert segments(text) == expected


@pytest.mark.parametrize(
    ("text", "max_segments", "expected"),
    [
        ("short", 1, "short"),
        ("a" * 160, 1, "a" * 160),
        ("a" * 161, 1, "a" * 157 + "..."),
        ("a" * 400, 2, "a" * 303 + "..."),
        ("word " * 40, 1, "word " * 31 + "wo..."),
        ("a" * 156 + " " + "b" * 10, 1, "a" * 156 + "..."),  # no space before the dots
        ("€" * 100, 1, "€" * 78 + "..."),  # 156 + 3 septets: a 79th € would need 161
        ("á" * 80, 1, "á" * 67 + "..."),
        # Cutting off the only UCS-2 character leaves GSM-7 text, which holds more.
        ("a" * 158 + "á" + "a" * 10, 1, "a" * 157 + "..."),
        ("\U0001f44d" * 40, 1, "\U0001f44d" * 33 + "..."),  # 66 + 3 units
    ],
)
def test_fit(text: str, max_segments: int, expected: str) -> None:
    assert fit(text, max_segments) == expected
    assert segments(fit(text, max_segments)) <= max_segments


@pytest.mark.parametrize(
    ("text", "footer", "expected"),
    [
        ("short", "STOP to end.", "short STOP to end."),
        ("a" * 200, "STOP to end.", "a" * 144 + "... STOP to end."),  # 144 + 3 + 1 + 12 = 160
        ("", "STOP to end.", "STOP to end."),
        ("a" * 150 + " " + "€" * 5, "STOP to end.", "a" * 144 + "... STOP to end."),
    ],
)
def test_fit_shortens_the_body_and_keeps_the_footer_whole(text: str, footer: str,
                                                         expected: str) -> None:
    assert fit(text, 1, footer) == expected
    assert segments(expected) == 1


def test_a_footer_that_cannot_fit_is_a_mistake_in_the_code() -> None:
    with pytest.raises(ValueError, match="footer"):
        fit("anything", 1, "x" * 160)


@pytest.mark.parametrize("max_segments", [0, -1])
def test_fit_needs_at_least_one_segment(max_segments: int) -> None:
    with pytest.raises(ValueError, match="max_segments"):
        fit("anything", max_segments)
