"""Residents' zones (ZIP areas, neighbourhoods) and finding one from what a resident texts.

`find_zone` tries, in order, and stops at the first rule that finds anything:
a ZIP code or an area code typed directly; the whole name; one of the neighbourhoods a
hyphenated name joins, or the start of a name; a small typo; and last, names sharing words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

MAX_CHOICES = 5
TYPO_RATIO = 0.85  # one wrong letter in a 7-letter name is 0.86: typos pass, other names don't
TYPO_SPREAD = 0.03  # candidates this close to the best are as likely as it: ask, don't guess

_ABBREVIATIONS = {
    "E": "EAST", "W": "WEST", "N": "NORTH", "S": "SOUTH",
    # Street names aren't area names, so ST is always SAINT (St. Albans, St. George).
    "ST": "SAINT", "MT": "MOUNT", "FT": "FORT", "HTS": "HEIGHTS", "PK": "PARK", "PT": "POINT",
    "VLG": "VILLAGE", "BCH": "BEACH", "BKLYN": "BROOKLYN", "BX": "BRONX", "CTR": "CENTER",
    "SQ": "SQUARE", "AVE": "AVENUE",
}
_NICKNAMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("BED", "STUY"), "BEDFORD STUYVESANT"),
    (("BEDSTUY",), "BEDFORD STUYVESANT"),
    (("LES",), "LOWER EAST SIDE"),
    (("UES",), "UPPER EAST SIDE"),
    (("UWS",), "UPPER WEST SIDE"),
)
# Dropped, not spaced: "Prince's Bay" must not become PRINCE S(OUTH) BAY, and it must
# equal "Princes Bay" as residents usually type it.
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc`\u00b4]")
_NOT_WORD = re.compile(r"[\W_]+")
_JOINS = re.compile(r"\s*[-\u2013\u2014]\s*")  # NTA names join neighbourhoods with hyphens


@dataclass(frozen=True)
class Zone:
    """An area residents can join; its geometry is kept elsewhere, under `id`."""

    id: str  # "zip:11207" or "nta:BK82"
    layer: str
    key: str
    label: str  # human name, e.g. "East New York" or "11207"
    aliases: tuple[str, ...] = ()  # other names or codes that match, e.g. a MODZCTA's other ZIPs


@dataclass(frozen=True)
class ZoneMatch:
    """One zone found (`zone`), a short list to choose from, best first (`choices`), or neither."""

    zone: Zone | None
    choices: tuple[Zone, ...] = ()


def normalise(text: str) -> str:
    """Upper-case words without accents or punctuation, with abbreviations and nicknames spelt out."""
    plain = _APOSTROPHES.sub("", strip_accents(text).upper().replace("&", " AND "))
    words = _NOT_WORD.sub(" ", plain).split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, expansion in _NICKNAMES:
            if tuple(words[i:i + len(phrase)]) == phrase:
                out.append(expansion)
                i += len(phrase)
                break
        else:
            out.append(_ABBREVIATIONS.get(words[i], words[i]))
            i += 1
    return " ".join(out)


def strip_accents(text: str) -> str:
    """The text without accents, as residents often type it ("SÍ" -> "SI"); NBSP becomes a space."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def zones_from_layer(layer: str, features: Mapping[str, str],
                     aliases: Mapping[str, Sequence[str]] | None = None) -> list[Zone]:
    """Zones for a layer's features, from id -> name (an empty name falls back to the id)."""
    aliases = aliases or {}
    return [Zone(f"{layer}:{key}", layer, key, name or key, tuple(aliases.get(key, ())))
            for key, name in features.items()]


def find_zone(query: str, zones: Sequence[Zone]) -> ZoneMatch:
    """The zone a resident means by `query`, or a short list to choose from, or nothing."""
    q = normalise(query)
    compact = q.replace(" ", "")
    if not q:
        return ZoneMatch(None)
    if compact.isdigit():
        # Only exact codes: a near miss of a ZIP code is another ZIP code, not a typo of this one.
        return _pick([z for z in zones if z.key == compact] + [z for z in zones if compact in z.aliases])
    by_key = [z for z in zones if z.key.upper() == compact]
    if by_key:
        return _pick(by_key)
    names = [(zone, _names(zone)) for zone in zones]
    for rule in (_whole, _part_or_start, _typo, _words):
        found = rule(q, names)
        if found is not None:
            return found
    return ZoneMatch(None)


@dataclass(frozen=True)
class _Names:
    whole: tuple[str, ...]  # the label and the aliases, normalised
    parts: tuple[str, ...]  # the neighbourhoods a hyphenated label joins, normalised
    words: frozenset[str]


@lru_cache(maxsize=4096)
def _names(zone: Zone) -> _Names:
    whole = tuple(dict.fromkeys(normalise(name) for name in (zone.label, *zone.aliases)))
    pieces = [normalise(piece) for piece in _JOINS.split(zone.label)]
    # "Co-op City" splits into CO and OP CITY: a piece of one or two letters is no neighbourhood.
    parts = tuple(piece for piece in pieces if len(piece) >= 3) if len(pieces) > 1 else ()
    return _Names(whole, parts, frozenset(" ".join(whole).split()))


_Named = Sequence[tuple[Zone, _Names]]


def _whole(q: str, names: _Named) -> ZoneMatch | None:
    exact = [zone for zone, n in names if q in n.whole]
    if not exact:
        return None
    # "Murray Hill" is a whole NTA in Queens and half of "Murray Hill-Kips Bay" in Manhattan:
    # an exact name alone would sign up the Manhattan resident for Queens, so offer both.
    also = [zone for zone, n in names if zone not in exact and q in n.parts]
    return _pick(exact + also)


def _part_or_start(q: str, names: _Named) -> ZoneMatch | None:
    scored = [((2.0 if q in n.parts else 1.0 if _starts(q, n, " ") else 0.0, _closeness(q, n)), zone)
              for zone, n in names if q in n.parts or _starts(q, n, "")]
    return _ranked(scored) if scored else None


def _starts(q: str, n: _Names, then: str) -> bool:
    # With then=" " only whole words count: EAST starts EAST VILLAGE before EASTCHESTER.
    return any(f"{name} ".startswith(q + then) for name in n.whole)


def _typo(q: str, names: _Named) -> ZoneMatch | None:
    scored = [(_closeness(q, n), zone) for zone, n in names]
    best = max((score for score, _ in scored), default=0.0)
    if best < TYPO_RATIO:
        return None
    return _ranked([((score,), zone) for score, zone in scored if score >= best - TYPO_SPREAD])


def _words(q: str, names: _Named) -> ZoneMatch | None:
    wanted = set(q.split())
    shared = [(len(wanted & n.words), zone, n) for zone, n in names]
    most = max((count for count, _, _ in shared), default=0)
    if most == 0:
        return None
    # Best first: the name those words make up most of (BEDFORD before BEDFORD PARK...).
    found = [((_coverage(wanted, n), _closeness(q, n)), zone) for count, zone, n in shared
             if count == most]
    if most < len(wanted) and len(found) > MAX_CHOICES:
        return None  # a common word alone ("NEW LOTS" shares only NEW): a list of guesses misleads
    return _ranked(found)


def _coverage(wanted: set[str], n: _Names) -> float:
    # A name of punctuation alone ("-") normalises to no words at all: it covers nothing.
    return max(len(wanted & set(words)) / len(words)
               for words in (name.split() for name in (*n.whole, *n.parts)) if words)


def _closeness(q: str, n: _Names) -> float:
    return max(SequenceMatcher(None, q, name).ratio() for name in (*n.whole, *n.parts))


def _ranked(scored: Sequence[tuple[tuple[float, ...], Zone]]) -> ZoneMatch:
    # sorted() is stable, so zones that score the same keep the caller's order.
    return _pick([zone for _, zone in sorted(scored, key=lambda item: item[0], reverse=True)])


def _pick(found: Sequence[Zone]) -> ZoneMatch:
    unique = list(dict.fromkeys(found))
    if len(unique) == 1:
        return ZoneMatch(unique[0])
    return ZoneMatch(None, tuple(unique[:MAX_CHOICES]))
