"""The SMS reply grammar: what staff text back, and the opt-out keywords everyone may send.

Staff replies, case, spacing and a leading `#` free, the number optional with one open alert:

    12A | ACK 12 | A            acknowledge          12S | SCENE 12     on scene
    12N text | NOTE 12 text     note                 NEED 12 text       ask for support
    12C outcome | CLOSE 12 ...  close with outcome   12K | OK 12        safe, leaving the scene
    12X | CANT 12               can't go             EXTEND 12 [30]     more time on scene
    STATUS                      my open alerts       HELP               the codes
    CLEAR 12 [name]             a supervisor ends a team member's safety timer at #12
    SOS [text]                  a member in danger: supervisor and coordinators called

"HELP me" (HELP with anything after it) is an SOS whose text is the whole message: nobody
typing it wants the code list. A bare HELP or NEED is left to the inbox, which makes it an SOS
when the member has no open alert (a NEED's number is then never needed).

A bare `ok`, `k` or `safe` (no number) is never a check-out: it parses as "okay", which the
inbox answers with a question when the member has a safety timer running.

Everyone: STOP and its synonyms opt out, START/UNSTOP opt back in (as carriers require).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Action = Literal["ack", "scene", "note", "need", "close", "safe", "cant", "extend", "okay",
                 "clear", "status", "help", "sos"]
Keyword = Literal["stop", "start", "help"]

EXTEND_DEFAULT, EXTEND_MAX = 30, 240  # minutes: one EXTEND never holds off a check for long
OUTCOMES = ("mediated", "hospital-visit", "referred", "no-contact", "other")
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                        "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

_LETTER: dict[str, Action] = {"A": "ack", "S": "scene", "N": "note", "C": "close", "K": "safe",
                              "X": "cant"}
_WORD: dict[str, Action] = {
    "ACK": "ack", "ACKNOWLEDGE": "ack", "SCENE": "scene", "NOTE": "note", "NEED": "need",
    "CLOSE": "close", "OK": "safe", "SAFE": "safe", "CANT": "cant", "EXTEND": "extend",
    "CLEAR": "clear", "STATUS": "status", "HELP": "help",
}
_SPELT: dict[Action, str] = {  # each action's word in the long form that Reply.as_text writes
    "ack": "ACK", "scene": "SCENE", "note": "NOTE", "need": "NEED", "close": "CLOSE",
    "safe": "SAFE", "cant": "CANT", "extend": "EXTEND", "okay": "OK", "clear": "CLEAR",
    "status": "STATUS", "help": "HELP", "sos": "SOS",
}
# A bare NEED is a cry for support, not a typo to refuse: it is kept with no words.
_NEEDS_TEXT = {"note"}
_OUTCOME_ALIASES = {
    "mediated": "mediated", "mediation": "mediated", "med": "mediated",
    "hospital-visit": "hospital-visit", "hospital": "hospital-visit", "hosp": "hospital-visit",
    "hospitalvisit": "hospital-visit", "referred": "referred", "referral": "referred",
    "ref": "referred", "no-contact": "no-contact", "nocontact": "no-contact", "nc": "no-contact",
    "none": "no-contact", "other": "other",
}
# "12A", "#12 a", "12 N some text": the number glued to or spaced from its one-letter code.
# The codes are spelt in both cases rather than matched with re.IGNORECASE, which would also
# take the Kelvin sign "\u212a" for a K (and "\u017f" for an S) that .upper() leaves as it is.
_SHORT = re.compile(r"^#?\s*(\d{1,3})\s*([ASNCKXasnckx])(?:\s+(.*))?$", re.DOTALL)
# "ACK 12", "NOTE #12 text", "ACK", "NEED text": a word, an optional number, optional text.
_LONG = re.compile(r"^([A-Z]+)(?:\s*#?\s*(\d{1,3})(?!\d))?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
# "SOS", "sos gun here", "SOS: help", "SOS12": the words after it, however they are joined on.
# Spelt in both cases for the reason _SHORT gives ("\u017f" would be an S).
_SOS = re.compile(r"^[Ss][Oo][Ss](?![A-Za-z])[\s:;,.!-]*(.*)$", re.DOTALL)
# "A", "N some text", and the swapped "A12" / "a 12" / "A # 12" (spaced as _LONG allows).
_BARE = re.compile(r"^#?\s*([ASNCKXasnckx])(?:\s*#?\s*(\d{1,3}))?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Reply:
    """A staff reply understood: what to do, to which alert number (None: the only open one)."""

    action: Action
    number: int | None = None
    text: str = ""  # CLEAR: the name of whom to check out (empty: the only one on scene)
    outcome: str | None = None
    minutes: int | None = None  # EXTEND: how much longer

    def as_text(self) -> str:
        """The reply in its long form, e.g. "CLOSE 12 mediated with mom": parse_reply reads it
        back as this Reply (the grammar's round-trip property; tiny on purpose)."""
        # "EXTEND 30" reads as alert #30: minutes are spelt only after a number.
        minutes = self.number and self.minutes and str(self.minutes)
        parts = (_SPELT[self.action], self.number and str(self.number), self.outcome, minutes,
                 self.text)
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Refused:
    """A reply that is not understood, and what to tell the sender."""

    reason: str


def opt_keyword(text: str) -> Keyword | None:
    """STOP, START or HELP when the whole message is one of their keywords (carrier rules)."""
    word = " ".join(text.split()).strip(" .!").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def parse_reply(text: str) -> Reply | Refused:
    """Understand one staff SMS, or say why not."""
    # Trailing punctuation and spaces all go: "ACK . ." is "ACK", as "ACK ." is.
    cleaned = " ".join(text.replace("\u00a0", " ").split()).rstrip(".!? ")
    if not cleaned:
        return Refused("empty message")
    match = _SOS.match(cleaned)
    if match:
        return Reply("sos", None, match[1])
    match = _SHORT.match(cleaned)
    if match:
        return _build(_LETTER[match[2].upper()], int(match[1]), match[3] or "")
    match = _BARE.match(cleaned)
    if match:
        return _build(_LETTER[match[1].upper()], int(match[2]) if match[2] else None, match[3] or "")
    match = _LONG.match(cleaned)
    if match and match[1].upper() in _WORD:
        number = int(match[2]) if match[2] else None
        if _WORD[match[1].upper()] == "help" and (number is not None or match[3]):
            return Reply("sos", None, cleaned)  # "help me": a plea, kept word for word
        return _build(_WORD[match[1].upper()], number, match[3] or "")
    return Refused(f"not a reply code: {cleaned[:20]!r}")


def _build(action: Action, number: int | None, text: str) -> Reply | Refused:
    text = text.strip()
    if number == 0:
        return Refused("alert numbers start at 1")
    if action in ("status", "help"):
        if number is not None or text:
            return Refused(f"{action.upper()} takes nothing after it")
        return Reply(action)
    if action in _NEEDS_TEXT and not text:
        return Refused(f"{action.upper()} needs a few words, e.g. {action.upper()} 12 with family")
    if action == "close":
        return _close(number, text)
    if action == "extend":
        return _extend(number, text)
    if action == "safe" and number is None:
        # "ok" is what people text back to anything: it must not end a safety timer.
        return Reply("okay", None, text)
    # "12A omw" is still an ack: any words after a code are kept with it.
    return Reply(action, number, text)


def _close(number: int | None, text: str) -> Reply | Refused:
    words = text.split(" ")
    for size in (2, 1):  # "hospital visit" and "no contact" are two words when typed
        outcome = _OUTCOME_ALIASES.get("-".join(words[:size]).lower().strip(".,:;"))
        if outcome is not None and len(words) >= size:
            return Reply("close", number, " ".join(words[size:]), outcome)
    return Refused("close with an outcome: " + ", ".join(OUTCOMES))


def _extend(number: int | None, text: str) -> Reply | Refused:
    match = re.fullmatch(r"(\d{1,4})\s*(?:m|min|mins|minutes)?(?:\s+(.*))?", text, re.IGNORECASE)
    if text and match is None:
        return Refused("EXTEND takes minutes, e.g. EXTEND 12 30")
    minutes = int(match[1]) if match else EXTEND_DEFAULT
    if minutes == 0:
        return Refused("EXTEND by at least 1 minute")
    return Reply("extend", number, (match[2] or "") if match else "", None,
                 min(minutes, EXTEND_MAX))


def named(wanted: str, names: Sequence[str]) -> list[str]:
    """The names a CLEAR's words point at: a whole name ("Luis Feliz") before one of its words
    ("luis", "Feliz"), case free; words after the name ("luis home now") are let be."""
    words = wanted.casefold().split()
    if not words:
        return list(names)
    whole = [name for name in names
             if words[:len(name.split())] == name.casefold().split()]
    return whole or [name for name in names if words[0] in name.casefold().split()]
