"""What residents may read: an area and what to do, never a victim, a hospital or an address.

Coordinators type broadcasts, and the sites file holds playbook steps and support resources
that residents receive; DESIGN promises that resident messages carry no victim details, no
hospital and no exact address. `private_details` finds such words so that the text is refused
with the words named and why, and the writer can say it at the level of the area instead. Text
is checked as the resident's phone would show it (after GSM-7 folding), in English and Spanish.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from alerts.addresses import address_spans
from alerts.gsm import to_gsm7
from alerts.words import Word, fold, words

PROMISE = "residents never get victim details, a hospital or an exact address"
ADDRESS, VICTIM, AGE, NAME, HOSPITAL = ("an exact address", "victim details", "a victim's age",
                                        "a name with an initial", "a hospital")
_VICTIM_WORDS = frozenset({
    "victim", "victims", "fatal", "fatally", "fatality", "fatalities", "killed", "dead", "died",
    "deceased", "doa", "murder", "murdered", "homicide", "wounded", "injured", "injuries",
    "victima", "victimas", "muerto", "muerta", "muertos", "muertas", "murio", "fallecio",
    "fallecido", "fallecida", "fallecidos", "herido", "herida", "heridos", "heridas",
    "asesinado", "asesinada", "asesinados", "homicidio", "lesionado", "lesionados",
})
_SHOT = (frozenset({"was", "were", "been", "got", "being", "fue", "fueron"}),
         frozenset({"shot", "stabbed", "baleado", "baleada", "baleados", "apunalado"}))
_CONDITION = (frozenset({"critical", "stable", "serious", "grave"}), frozenset({"condition"}))
_HOSPITAL_WORDS = frozenset({"hospital", "hospitals", "hospitalized", "hospitalised",
                             "hospitalizado", "hospitalizada", "hospitalizados"})
_YEARS = frozenset({"year", "years", "yr", "yrs", "yo"})
# "Plan B.", "Building C.", "Avenue D.": a word and a letter that are not a person's name.
_NOT_NAMES = frozenset({"plan", "building", "block", "section", "exit", "gate", "room", "floor",
                        "wing", "lot", "zone", "area", "ward", "apt", "suite", "unit", "team",
                        "group", "part", "phase", "level", "vitamin", "grade", "class", "type",
                        "option", "line", "train", "avenue", "route", "pier", "station"})


@dataclass(frozen=True)
class Finding:
    """Words residents may not read (as their phone shows them), where, and why not."""

    words: str
    why: str
    start: int
    end: int


def private_details(text: str, hospitals: Sequence[str] = ()) -> tuple[Finding, ...]:
    """Every victim detail, hospital (the sites file's, or any) and exact address in `text`."""
    shown = to_gsm7(text)
    tokens = words(shown)
    spans = [*((a, b, ADDRESS) for a, b in address_spans(tokens)), *_victim_spans(tokens),
             *_name_spans(tokens), *_hospital_spans(tokens, hospitals)]
    merged: list[tuple[int, int, str]] = []
    for first, last, why in sorted(spans, key=lambda s: (s[2], s[0], s[1])):
        if merged and merged[-1][2] == why and first <= merged[-1][1]:  # overlapping
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]), why)
        else:
            merged.append((first, last, why))
    found = (Finding(shown[tokens[a].start:tokens[b].end], why, tokens[a].start, tokens[b].end)
             for a, b, why in merged)
    return tuple(sorted(found, key=lambda f: (f.start, f.end)))


def refusal(findings: Sequence[Finding]) -> str:
    """The refused words grouped by reason, reasons in the order the text first shows them."""
    grouped: dict[str, list[str]] = {}
    for finding in findings:
        grouped.setdefault(finding.why, []).append(f'"{finding.words}"')
    return "; ".join(f"{', '.join(quoted)}: {why}" for why, quoted in grouped.items())


def _victim_spans(tokens: Sequence[Word]) -> Iterator[tuple[int, int, str]]:
    for i, token in enumerate(tokens):
        if token.fold.removesuffix("'s") in _VICTIM_WORDS:  # "the victim's family" too
            # "2 victims": the count is a victim detail too.
            yield (i - 1 if i and tokens[i - 1].is_number else i), i, VICTIM
        for first, second in (_SHOT, _CONDITION):
            if token.fold in first and i + 1 < len(tokens) and tokens[i + 1].fold in second:
                yield i, i + 1, VICTIM
        if token.is_number and 0 < int(token.fold.rstrip("abcdefghijklmnopqrstuvwxyz") or 0) < 120:
            age = _age_span(tokens, i)
            if age is not None:
                yield (*age, AGE)


def _age_span(tokens: Sequence[Word], i: int) -> tuple[int, int] | None:
    """ "17-year-old", "34 years old", "aged 15", "de 17 años", "(Jose R., 17)" around word `i`."""
    def fold_at(k: int) -> str:
        return tokens[k].fold if 0 <= k < len(tokens) else ""
    k = i + 2 if fold_at(i + 1) == "-" else i + 1
    if fold_at(k) in _YEARS:
        old = k + 2 if fold_at(k + 1) == "-" else k + 1
        return (i, old) if fold_at(old) == "old" else (i, k) if fold_at(k) == "yo" else None
    if fold_at(i + 1) in ("anos", "ano") and (fold_at(i - 1) == "de" or fold_at(i + 2) == "de"):
        return i, i + 1
    if fold_at(i - 1) in ("aged", "edad"):
        return i - 1, i
    # Set off by commas after a name: "Jose Rivera, 17, of ..." or "(M, 17)".
    if fold_at(i - 1) == "," and fold_at(i + 1) in (",", ")") and i >= 2 \
            and not tokens[i - 2].is_number:
        return i, i
    return None


def _name_spans(tokens: Sequence[Word]) -> Iterator[tuple[int, int, str]]:
    """ "Jose R." and "J. Rodriguez": a person named with an initial."""
    for i in range(len(tokens) - 2):
        first, letter, mark = tokens[i], tokens[i + 1], tokens[i + 2]
        after = tokens[i + 3] if i + 3 < len(tokens) else None
        street = letter.text in "NSEW" and after is not None and (after.is_number or after.is_ordinal)
        if _is_initial(letter) and mark.text in ".," and first.is_capitalised and not street \
                and len(first.text) > 1 and first.text.isalpha() and first.fold not in _NOT_NAMES:
            yield i, i + 2 if mark.text == "." else i + 1, NAME
        surname = tokens[i + 2]
        if _is_initial(first) and letter.text == "." and surname.is_capitalised \
                and surname.text.isalpha() and len(surname.text) > 1 \
                and not (i and tokens[i - 1].is_word and tokens[i - 1].is_capitalised):
            yield i, i + 2, NAME


def _is_initial(token: Word) -> bool:
    # "A" and "I" are words far more often than initials.
    return len(token.text) == 1 and "B" <= token.text <= "Z" and token.text != "I"


def _hospital_spans(tokens: Sequence[Word],
                    hospitals: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    names = [tuple(fold(w.text) for w in words(to_gsm7(h))) for h in hospitals]
    folded = [token.fold for token in tokens]
    for i, token in enumerate(tokens):
        if token.fold in _HOSPITAL_WORDS:
            # "Lincoln Hospital": the capitalised words before it are its name.
            start = i
            while start > max(i - 3, 0) and tokens[start - 1].is_name \
                    and tokens[start - 1].is_capitalised:
                start -= 1
            yield start, i, HOSPITAL
        for name in names:
            if name and tuple(folded[i:i + len(name)]) == name:
                yield i, i + len(name) - 1, HOSPITAL
