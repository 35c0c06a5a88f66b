"""How a person is reached: the methods a member lists (`contact`) and a step uses (`via`).

An alert is always a text first; a call is the repage for someone who slept through it.
"""

from __future__ import annotations

from typing import Literal

Contact = Literal["sms", "voice"]
CONTACTS: tuple[Contact, ...] = ("sms", "voice")
DEFAULT_CONTACT: tuple[Contact, ...] = ("sms", "voice")
SMS_ONLY: tuple[Contact, ...] = ("sms",)
BOTH: tuple[Contact, ...] = ("sms", "voice")
# Channels whose recipient is a phone number (redacted in logs and views).
PHONE_CHANNELS: tuple[str, ...] = ("sms", "voice")


def ways_taken(ways: tuple[Contact, ...], contact: tuple[Contact, ...] | None) -> list[Contact]:
    """Of `ways`, those a person takes: a member only what their `contact` lists; someone not
    on a team (a coordinator) whatever is asked."""
    return [way for way in ways if contact is None or way in contact]


class ContactError(ValueError):
    """A contact list that cannot be used."""


def parse_contact(raw: object, *, need_sms: bool = True) -> tuple[Contact, ...]:
    """`[sms, voice]`, `[sms]` or one word: the methods in order, each once. `need_sms`: a
    member's list must hold sms, since every alert is a text before it is a call."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise ContactError("must be a list of methods: [sms, voice] or [sms]")
    methods: list[Contact] = []
    for item in items:
        word = str(item).strip().lower()
        if word not in CONTACTS:
            raise ContactError(f"unknown method {str(item)[:20]!r}; expected sms or voice")
        if word not in methods:
            methods.append(word)
    if need_sms and "sms" not in methods:
        raise ContactError("must include sms: every alert is a text before it is a call")
    return tuple(methods)
