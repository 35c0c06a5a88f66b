"""Text as words for the privacy checks: each word with its place and a folded spelling.

The checks walk this list, a few words at a time, rather than running clever regular
expressions over the text: any input is read in linear time and nothing can backtrack.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A word (letters and digits, with inner apostrophes: "Mary's"), or one other character. The
# apostrophe must be followed by a letter, so the group cannot match the same text two ways.
_TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
_NUMBER = re.compile(r"\d{1,6}[a-z]?")
_ORDINAL = re.compile(r"\d{1,4}(?:st|nd|rd|th)")

# Small words that never belong to a street's name: a window of words stops at them, so that
# "at 6 pm at Brook Ave" is a time and a street, not an address.
STOP = frozenset({
    "a", "an", "the", "at", "on", "in", "of", "to", "for", "and", "or", "near", "by", "from",
    "with", "is", "was", "were", "are", "be", "am", "pm", "this", "that", "we", "you", "our",
    "your", "will", "all", "every", "per", "y", "de", "la", "el", "en", "los", "las", "del",
    "al", "para", "por", "con", "after", "before", "until", "around", "between",
})


@dataclass(frozen=True)
class Word:
    """One token: as written, where it is, and folded (no accents, lower case) for comparing."""

    text: str
    start: int
    end: int
    fold: str

    @property
    def is_word(self) -> bool:
        """Letters or digits, not punctuation."""
        return self.text[0].isalnum() or self.text[0] == "_"

    @property
    def is_name(self) -> bool:
        """A word that can be part of a name: not punctuation, not a small stop word."""
        return self.is_word and self.fold not in STOP

    @property
    def is_capitalised(self) -> bool:
        """Starts with a capital letter, as names do."""
        return self.text[0].isupper()

    @property
    def is_number(self) -> bool:
        """A number such as a house number: 455, 455A."""
        return _NUMBER.fullmatch(self.fold) is not None

    @property
    def is_ordinal(self) -> bool:
        """140th, 1st, 2nd, 3rd."""
        return _ORDINAL.fullmatch(self.fold) is not None


def words(text: str) -> list[Word]:
    """The tokens of `text` in order."""
    return [Word(m[0], m.start(), m.end(), fold(m[0])) for m in _TOKEN.finditer(text)]


def fold(text: str) -> str:
    """Lower case without accents: "Años" -> "anos", for comparing words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
