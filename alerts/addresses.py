"""Exact addresses in free text: a house number and its street, or two streets that meet.

"455 E 140 ST", "750 Broadway", "12 Avenue D"; "PITKIN AVE & ROCKAWAY AVE", "E 140th & Brook",
"Brook and Willis Ave", "Brook Ave at E 140 St". A street alone ("near Brook Ave") is an area,
not an exact place, and passes. A street is recognised by its suffix (ST, AVE, BLVD...) after
at least one word of name, so "St Mary's Park" is no street and "2 road closures" no address.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from alerts.words import Word

Span = tuple[int, int]  # first and last word index

_SUFFIXES = frozenset({
    "st", "street", "ave", "av", "avenue", "blvd", "boulevard", "rd", "road", "pl", "place",
    "pkwy", "parkway", "dr", "drive", "ln", "lane", "ter", "terrace", "ct", "court", "hwy",
    "highway", "expy", "expressway", "tpke", "turnpike", "plaza", "concourse", "broadway",
})
# "Pitkin and Rockaway Aves": the plural says the two names are streets that meet.
_PLURALS = frozenset({"sts", "streets", "aves", "avenues", "blvds", "rds", "roads"})
# Streets whose name comes after them: "Avenue D", "calle 140"; Broadway needs no name at all.
_PREFIXES = frozenset({"avenue", "avenida", "calle", "broadway"})
_DIRECTIONS = frozenset({"e", "w", "n", "s", "east", "west", "north", "south"})
_JOINERS = frozenset({".", "-"})  # inside a street or a number: "E. 140 St.", "45-12"
_MAX_NAME = 4  # words of a street's name before its suffix


def address_spans(tokens: Sequence[Word]) -> Iterator[Span]:
    """Every exact address among the words."""
    for i, token in enumerate(tokens):
        if token.is_number:
            end = _street_from(tokens, i + 1)
            if end is not None:
                yield i, end
        elif token.fold in ("&", "@", "at", "and", "y"):
            span = _intersection(tokens, i)
            if span is not None:
                yield span


def _street_from(tokens: Sequence[Word], j: int) -> int | None:
    """The index of the last word of a street starting at word `j`, if one does."""
    names, k = 0, j
    while k < len(tokens) and names <= _MAX_NAME:
        token = tokens[k]
        if token.text in _JOINERS:
            k += 1
            continue
        if not token.is_name:
            return None
        if names == 0 and token.fold in _PREFIXES:
            if token.fold == "broadway":
                return k
            after = k + 1
            return after if after < len(tokens) and tokens[after].is_name else None
        if names > 0 and token.fold in _SUFFIXES | _PLURALS:
            return k
        names, k = names + 1, k + 1
    return None


def _numbered(tokens: Sequence[Word], j: int) -> bool:
    """ "E 140" or "East 140th" starting at word `j`: a numbered street without its suffix."""
    return (j + 1 < len(tokens) and tokens[j].fold in _DIRECTIONS
            and (tokens[j + 1].is_number or tokens[j + 1].is_ordinal))


def _street_before(tokens: Sequence[Word], c: int) -> int | None:
    """The index of the first word of a street ending just before word `c`, if one does."""
    if c >= 2 and tokens[c - 1].fold in _SUFFIXES | _PLURALS and tokens[c - 2].is_name:
        start = c - 2
        while start > 0 and start > c - 1 - _MAX_NAME and tokens[start - 1].is_name:
            start -= 1
        return start
    if c >= 2 and _numbered(tokens, c - 2):
        return c - 2
    if c >= 2 and tokens[c - 2].fold in _PREFIXES and tokens[c - 1].is_name:
        return c - 2
    return None


def _intersection(tokens: Sequence[Word], c: int) -> Span | None:
    """Two streets that meet at the connector word `c` ("&", "at", "and"...)."""
    start = _street_before(tokens, c)
    end = _street_from(tokens, c + 1)
    if end is None and c + 1 < len(tokens) and _numbered(tokens, c + 1):
        end = c + 2
    connector = tokens[c].fold
    if connector == "&":  # a street on either side: "E 140th & Brook", "Pitkin & Rockaway Ave"
        if start is None and end is None:
            return None
        before = c - 1 if c >= 1 and tokens[c - 1].is_name else c
        after = c + 1 if c + 1 < len(tokens) and tokens[c + 1].is_name else c
        return (before if start is None else start), (after if end is None else end)
    if start is not None and end is not None:
        return start, end
    if connector in ("and", "y") and end is not None and _one_name_each(tokens, c, end):
        return c - 1, end
    return None


def _one_name_each(tokens: Sequence[Word], c: int, end: int) -> bool:
    """ "at Brook and Willis Ave": one name alone before the connector, one street after it."""
    if c < 1 or not tokens[c - 1].is_name or (c >= 2 and tokens[c - 2].is_name):
        return False
    plural = tokens[end].fold in _PLURALS
    return end == c + 2 and (tokens[c - 1].is_capitalised or plural)
