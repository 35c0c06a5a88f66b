"""Every text a resident can receive, in English and Spanish.

Privacy is in the signatures: nothing here takes an `Incident`. An area notice is built from an
area's name and a time alone, so no victim, hospital, fatality or address can reach a resident.
Each conversational reply names the program, how often it writes, and how to stop, as carriers
require; all texts are GSM-7 (accents folded) and short.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from alerts.gsm import fit, to_gsm7
from alerts.resident_replies import Language

MAX_SEGMENTS = 3
_TERMS = {
    "en": "Msg freq varies, up to 4/wk. Msg&data rates may apply. Reply HELP for help, STOP to cancel.",
    "es": "Frecuencia variable, hasta 4/sem. Pueden aplicar tarifas. Responda AYUDA para ayuda, "
          "STOP para cancelar.",
}
_NAME = {"en": "CMS Safety Updates", "es": "Alertas de Seguridad CMS"}
_STOP = {"en": "Reply STOP to opt out.", "es": "Responda STOP para cancelar."}
_PARTS = {"en": ("overnight", "this morning", "this afternoon", "this evening"),
          "es": ("de madrugada", "esta manana", "esta tarde", "esta noche")}


def _sms(text: str, footer: str = "") -> str:
    # The footer (how to stop, the program's terms) is kept whole; only the body is shortened.
    return fit(to_gsm7(" ".join(text.split())), MAX_SEGMENTS, to_gsm7(footer))


def confirm_prompt(area: str, language: Language) -> str:
    """Double opt-in: what YES will sign them up for."""
    if language == "es":
        return _sms(f"{_NAME['es']}: responda SI para recibir alertas de seguridad de {area} del "
                    "Sistema de Manejo de Crisis de NYC.", _TERMS["es"])
    return _sms(f"{_NAME['en']}: reply YES to get safety updates for {area} from NYC's Crisis "
                "Management System.", _TERMS["en"])


def subscribed(area: str, language: Language) -> str:
    """The opt-in is confirmed."""
    if language == "es":
        return _sms(f"{_NAME['es']}: listo, recibira alertas de {area}. Responda ZONAS para ver "
                    "sus zonas, SALIR para dejar una.", _TERMS["es"])
    return _sms(f"{_NAME['en']}: you're signed up for {area}. Reply ZONES to see your areas, "
                "LEAVE to leave one.", _TERMS["en"])


def choose(options: Sequence[str], language: Language) -> str:
    """An ambiguous area name: a short numbered list."""
    listed = " ".join(f"{i}) {name}" for i, name in enumerate(options, start=1))
    numbers = (" o " if language == "es" else " or ").join(
        str(i) for i in range(1, len(options) + 1))
    if language == "es":
        return _sms(f"{_NAME['es']}: ¿cual zona? {listed}. Responda {numbers}.")
    return _sms(f"{_NAME['en']}: which area? {listed}. Reply {numbers}.")


def unknown_area(query: str, language: Language) -> str:
    """JOIN with a name we could not find."""
    shown = query[:40]
    if language == "es":
        return _sms(f'{_NAME["es"]}: no conocemos la zona "{shown}". Envie UNIRSE y su codigo '
                    "postal (UNIRSE 11207) o su barrio (UNIRSE EAST NEW YORK).")
    return _sms(f'{_NAME["en"]}: we could not find "{shown}". Text JOIN and your ZIP code '
                "(JOIN 11207) or neighborhood (JOIN EAST NEW YORK).")


def nothing_to_confirm(language: Language) -> str:
    """YES or a number with nothing pending."""
    if language == "es":
        return _sms(f"{_NAME['es']}: no hay nada que confirmar. Envie UNIRSE y su codigo postal, "
                    "p. ej. UNIRSE 11207.")
    return _sms(f"{_NAME['en']}: nothing to confirm. Text JOIN and your ZIP code, e.g. JOIN 11207.")


def left(area: str, language: Language) -> str:
    """LEAVE done."""
    if language == "es":
        return _sms(f"{_NAME['es']}: ya no recibira alertas de {area}. Responda ZONAS para ver "
                    "las demas.")
    return _sms(f"{_NAME['en']}: you will no longer get updates for {area}. Reply ZONES for the "
                "rest.")


def zones(areas: Sequence[str], language: Language) -> str:
    """ZONES: the areas they are signed up for."""
    if not areas and language == "es":
        return _sms(f"{_NAME['es']}: no tiene zonas. Envie UNIRSE y su codigo postal, "
                    "p. ej. UNIRSE 11207.")
    if not areas:
        return _sms(f"{_NAME['en']}: you are not signed up for any area. Text JOIN and your "
                    "ZIP code, e.g. JOIN 11207.")
    listed = ", ".join(areas)
    if language == "es":
        return _sms(f"{_NAME['es']}: sus zonas: {listed}. SALIR y la zona para dejar una.")
    return _sms(f"{_NAME['en']}: your areas: {listed}. LEAVE and the area to leave one.")


def language_set(language: Language) -> str:
    """ES or EN."""
    if language == "es":
        return _sms(f"{_NAME['es']}: le escribiremos en espanol.", _TERMS["es"])
    return _sms(f"{_NAME['en']}: we will write to you in English.", _TERMS["en"])


def help_text(language: Language) -> str:
    """HELP: who we are and every keyword."""
    if language == "es":
        return _sms(f"{_NAME['es']} del Sistema de Manejo de Crisis de NYC. UNIRSE 11207 o UNIRSE "
                    "y su barrio; SALIR; ZONAS; EN for English. Emergencias: llame al 911.",
                    _TERMS["es"])
    return _sms(f"{_NAME['en']} from NYC's Crisis Management System. JOIN 11207 or JOIN and your "
                "neighborhood; LEAVE; ZONES; ES para espanol. Emergencies: call 911.",
                _TERMS["en"])


def staff_number_here(language: Language) -> str:
    """A staff member texting the resident number."""
    return _sms("CMS: this number is for residents' safety updates. Staff replies go to the "
                "staff number.")


def broadcast(area: str, text: str, language: Language) -> str:
    """A coordinator's update for an area, with the way out (kept whole, however long the text)."""
    label = "Alerta CMS" if language == "es" else "CMS Safety Update"
    return _sms(f"{label} ({area}): {text}", _STOP[language])


def when_phrase(moment: datetime, tz: tzinfo, language: Language) -> str:
    """"this evening": the time of day only, never the exact time."""
    hour = moment.astimezone(tz).hour
    return _PARTS[language][0 if hour < 6 else 1 if hour < 12 else 2 if hour < 18 else 3]


def area_report(area: str, when: str, resources: Sequence[str], language: Language) -> str:
    """The words of an area notice: the area, the time of day, where to find support."""
    support = "; ".join(resources)
    if language == "es":
        body = f"Se reporto un tiroteo en la zona de {area} {when}."
        return body + (f" Si necesita apoyo: {support}." if support else "")
    body = f"A shooting was reported in the {area} area {when}."
    return body + (f" If you need support: {support}." if support else "")


def area_notice(area: str, when: str, resources: Sequence[str], language: Language) -> str:
    """After a verified shooting: the area and the time of day, and where to find support."""
    label = "Alerta CMS" if language == "es" else "CMS Safety Update"
    return _sms(f"{label}: {area_report(area, when, resources, language)}", _STOP[language])
