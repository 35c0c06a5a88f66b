"""What residents text to the resident number, in English or Spanish.

    JOIN 11207 | JOIN EAST NEW YORK | UNIRSE 11207     ask to join an area (then YES)
    YES | Y | SI                                        confirm (double opt-in)
    1 .. 5                                              pick from a short list of areas
    LEAVE 11207 | SALIR 11207 | LEAVE                   leave an area (or the only one)
    ZONES | ZONAS                                       my areas
    ES | EN                                             language
    HELP | AYUDA                                        help

STOP, START and their synonyms are handled before this, for everyone (alerts.replies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from alerts.zones import strip_accents

Action = Literal["join", "confirm", "choose", "leave", "zones", "language", "help"]
Language = Literal["en", "es"]

_WORDS: dict[str, tuple[Action, Language | None]] = {
    "JOIN": ("join", "en"), "SUBSCRIBE": ("join", "en"), "UNIRSE": ("join", "es"),
    "UNIR": ("join", "es"), "SUSCRIBIR": ("join", "es"), "ALTA": ("join", "es"),
    "YES": ("confirm", "en"), "Y": ("confirm", "en"), "SI": ("confirm", "es"),
    "LEAVE": ("leave", "en"), "SALIR": ("leave", "es"), "DEJAR": ("leave", "es"),
    "ZONES": ("zones", "en"), "ZONE": ("zones", "en"), "ZONAS": ("zones", "es"),
    "HELP": ("help", None), "INFO": ("help", None), "AYUDA": ("help", "es"),
}
_LANGUAGES: dict[str, Language] = {"ES": "es", "ESPANOL": "es", "SPANISH": "es", "EN": "en",
                                   "ENGLISH": "en", "INGLES": "en"}


@dataclass(frozen=True)
class ResidentReply:
    """A resident's text understood: the action, its argument, and the language it was in."""

    action: Action
    argument: str = ""
    language: Language | None = None


def parse_resident(text: str) -> ResidentReply | None:
    """Understand a resident's text; None when it is none of the keywords."""
    # "SÍ" and "ESPAÑOL" are typed with and without accents: compare without them.
    cleaned = " ".join(strip_accents(text).split()).strip(" .!?")
    if not cleaned:
        return None
    word, _, rest = cleaned.partition(" ")
    upper = word.upper()
    if upper in _LANGUAGES and not rest:
        return ResidentReply("language", language=_LANGUAGES[upper])
    if upper.isdecimal() and not rest and 1 <= int(upper) <= 5:  # int() refuses digits like "፩"
        return ResidentReply("choose", upper)
    if upper not in _WORDS:
        return None
    action, language = _WORDS[upper]
    if action in ("zones", "help") and rest:
        return None
    if action == "join" and not rest:
        return None
    return ResidentReply(action, rest.strip(), language)
