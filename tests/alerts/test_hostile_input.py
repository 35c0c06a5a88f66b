"""Hostile input: every parser of outside input in `alerts/` answers, it never crashes.

Staff and residents text anything, feeds post any JSON, the NYPD exports hold any cell and the
sites file is typed by hand. For each parser: it returns its value or refuses with its own
error type and a message that says what to fix, no other exception ever escapes, and what it
returns means what it was given: a reply or a command spelt back parses to itself, an incident
survives a JSON round trip, grouped CSV rows keep every victim, a duration or a date written
back reads the same. The text strategies mix every Unicode category (bar lone surrogates) with each
grammar's own tokens and with the characters that trip parsers: digits of other scripts
(Arabic-Indic, superscript, Ethiopic), letters that case-fold into ASCII (the Kelvin sign
U+212A, the long s U+017F), BOMs, no-break spaces, emoji.
"""

from __future__ import annotations

import copy
import json
import math
import string
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar, get_args
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from alerts.durations import DurationError, format_duration, parse_duration
from alerts.gsm import fit, is_gsm7, segments, to_gsm7
from alerts.incident import TEXT_LIMITS, Incident, IncidentError, parse_incident
from alerts.nypd import REQUIRED_COLUMNS, NypdIncident, RowProblem, detect_columns, group_rows
from alerts.playbooks import PlaybookError, fill, parse_step
from alerts.render import MAX_ALERT_SEGMENTS, render_alert_sms, when
from alerts.replies import OUTCOMES, STOP_WORDS, Refused, Reply, opt_keyword, parse_reply
from alerts.resident_replies import Action as ResidentAction
from alerts.resident_replies import ResidentReply, parse_resident
from alerts.roster_commands import RosterCommand
from alerts.shifts import ShiftError, parse_shift
from alerts.sites import Sites
from alerts.sites_parse import SitesError, parse_sites
from alerts.slash import Command, Usage, parse_command
from alerts.takedowns import LOOKBACK, TakedownError, parse_date
from alerts.zones import MAX_CHOICES, Zone, find_zone, normalise, zones_from_layer
from tests.alerts.sitebuilder import LAYERS, sites_data

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 7, 4)
A_MONDAY = datetime(2026, 7, 6)  # wall-clock time, as Shift.covers reads it
T = TypeVar("T")

# --- text -------------------------------------------------------------------------------------

CHARACTERS = st.characters(exclude_categories=("Cs",))
ANY_TEXT = st.text(CHARACTERS, max_size=2000)
SHORT_TEXT = st.text(CHARACTERS, max_size=40)
ARABIC_12, ARABIC_75 = "\u0661\u0662", "\u0667\u0665"  # Arabic-Indic digits: int() reads them
# Digits of other scripts (Arabic-Indic, Devanagari, full-width, mathematical bold), and
# characters that are digits but not decimal ones, which int() refuses (superscript two,
# Ethiopic one, circled one), or numbers but not digits (one fifth).
FOREIGN_DIGITS = (ARABIC_12, "\u0966\u096d", "\uff11\uff12", "\U0001d7cf\U0001d7d0", "\u0660",
                  "\u00b2", "\u1369", "\u2460", "\u2155")
# Letters that a case-insensitive regex folds into ASCII, and ones that change length upper-cased.
CASE_FOLDS = ("\u212a", "\u017f", "\u0130", "\u0131", "ß", "ﬁ")
ODD = (" ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u2028", "\ufeff", "\u200b", "#", ".", "!", "?",
       ",", ":", "-", "/", "|", "\U0001f44d", "\U0001f44d\U0001f3fd", "\u2764\ufe0f", "e\u0301",
       *FOREIGN_DIGITS, *CASE_FOLDS)


def grammar(*tokens: str, max_parts: int = 12) -> st.SearchStrategy[str]:
    """Text glued together from a grammar's own tokens, odd characters and a little noise."""
    piece = st.sampled_from(tokens) | st.sampled_from(ODD) | st.text(CHARACTERS, max_size=3)
    return st.lists(piece, max_size=max_parts).map("".join)


def any_or(tokens: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Any text at all, or text made of the grammar's tokens: half the examples each."""
    return ANY_TEXT | tokens


def spaced(*tokens: str, max_words: int = 6) -> st.SearchStrategy[str]:
    """Words as people type them: mostly the grammar's tokens, spaced out (sometimes oddly),
    so that a good share of examples parse and the round trips get tested."""
    word = st.sampled_from(tokens) | st.sampled_from(ODD) | SHORT_TEXT
    gap = st.sampled_from((" ", " ", " ", "  ", "\u00a0", "\t", " #"))
    pairs = st.lists(st.tuples(word, gap), min_size=1, max_size=max_words)
    return pairs.map(lambda words: "".join(w + g for w, g in words).rstrip())


# --- 1. SMS staff replies ---------------------------------------------------------------------

STAFF_TOKENS = (
    "12", "1", "7", "999", "1000", "0", "00", "A", "a", "S", "N", "C", "K", "k", "ACK", "ack",
    "ACKNOWLEDGE", "SCENE", "NOTE", "NEED", "CLOSE", "OK", "SAFE", "STATUS", "HELP", "STOP",
    "START", "UNSTOP", "INFO", "mediated", "hospital", "visit", "no", "contact", "nc", "other",
    "omw 5 min", "CLEAR", "clear", "Luis", "luis feliz", "SOS", "sos", "help me", ":",
    *STOP_WORDS,
)
STAFF_STARTS = st.sampled_from(("ACK", "ack", "Acknowledge", "SCENE", "NOTE", "NEED", "CLOSE",
                                 "close", "OK", "SAFE", "STATUS", "HELP", "CLEAR", "12A", "#12 a", "7 n",
                                 "3C", "999k", "A", "c", "S", "n", "SOS", "sos:", "Help"))
# Hostile text, and replies as staff type them: a code or its word, then words.
STAFF_TEXT = any_or(grammar(*STAFF_TOKENS)) | st.builds(
    lambda start, rest: f"{start}{rest}", STAFF_STARTS,
    st.just("") | spaced(*STAFF_TOKENS, "#7", "Med", "hospital visit", "no contact").map(" {}".format))
# Outcomes as staff type them, and the outcome each stands for.
TYPED_OUTCOMES = {**{outcome: outcome for outcome in OUTCOMES}, "hospital visit": "hospital-visit",
                  "no contact": "no-contact", "med": "mediated", "Hosp": "hospital-visit",
                  "REF": "referred", "nc": "no-contact"}
WORD = st.text(string.ascii_letters, min_size=1, max_size=12)


# Each @example() below is a failure its property found (shrunk, then made readable), kept so
# that the bug it found stays fixed whatever the random draws.
@settings(max_examples=400)
@given(text=STAFF_TEXT)
@example(text="\u212a")  # U+212A matched [K] case-insensitively, and .upper() keeps it U+212A
@example(text="ACK . .")  # a "." note survived when another "." came after it, never alone
@example(text="A # 0")  # "A # 12" acked the only alert saying "# 12"; "ACK # 12" acked alert 12
def test_any_staff_text_is_a_reply_or_a_refusal_with_a_reason(text: str) -> None:
    parsed = parse_reply(text)
    assert isinstance(parsed, Reply | Refused)
    if isinstance(parsed, Reply):
        assert parsed.number is None or 1 <= parsed.number <= 999
        assert parsed.outcome is None or parsed.outcome in OUTCOMES
        # What was understood is what the long form says: "12c Hosp mom" is CLOSE 12 hospital-visit mom.
        assert parse_reply(parsed.as_text()) == parsed, parsed.as_text()
    else:
        assert parsed.reason.strip()


@settings(max_examples=300)
@given(text=STAFF_TEXT)
def test_any_text_is_at_most_one_opt_keyword(text: str) -> None:
    keyword = opt_keyword(text)
    assert keyword in (None, "stop", "start", "help")
    assert opt_keyword(f"  {text}. ") == keyword  # "Stop." and " STOP" are still STOP


@st.composite
def valid_replies(draw: st.DrawFn) -> tuple[str, str, int, str | None]:
    """A well-formed "{n}{letter} {text}" reply, with the action and outcome it stands for."""
    number = draw(st.integers(1, 999))
    letter = draw(st.sampled_from("ASNCKasnck"))
    outcome = None
    if letter in "Nn":  # a note needs a few words
        text = draw(WORD) + draw(st.sampled_from(["", " "])) + draw(SHORT_TEXT)
    elif letter in "Cc":  # a close needs an outcome, then an optional note
        typed = draw(st.sampled_from(sorted(TYPED_OUTCOMES)))
        outcome = TYPED_OUTCOMES[typed]
        text = typed + draw(st.sampled_from(["", " ", " with mom", " to GVI."]))
    else:  # ack, scene and safe keep whatever follows ("12A omw")
        text = draw(SHORT_TEXT)
    action = {"a": "ack", "s": "scene", "n": "note", "c": "close", "k": "safe"}[letter.lower()]
    return f"{number}{letter} {text}", action, number, outcome


@settings(max_examples=300)
@given(reply=valid_replies())
def test_a_well_formed_reply_parses_back_to_its_action_and_number(
        reply: tuple[str, str, int, str | None]) -> None:
    text, action, number, outcome = reply
    parsed = parse_reply(text)
    assert isinstance(parsed, Reply), (text, parsed)
    assert (parsed.action, parsed.number, parsed.outcome) == (action, number, outcome)
    assert parse_reply(parsed.as_text()) == parsed, parsed.as_text()


# --- 2. Resident texts ------------------------------------------------------------------------

RESIDENT_TEXT = any_or(grammar(
    "JOIN", "join", "UNIRSE", "ALTA", "SUBSCRIBE", "YES", "Y", "SI", "SÍ", "si\u0301", "LEAVE",
    "SALIR", "DEJAR", "ZONES", "ZONAS", "ES", "EN", "ESPAÑOL", "INGLES", "HELP", "AYUDA", "1",
    "3", "5", "6", "0", "11207", "EAST NEW YORK", "Bed-Stuy",
))


@settings(max_examples=400)
@given(text=RESIDENT_TEXT)
@example(text="\u1369")  # Ethiopic one: isdigit() yet int() refuses it
def test_any_resident_text_is_nothing_or_one_known_action(text: str) -> None:
    parsed = parse_resident(text)
    if parsed is None:
        return
    assert isinstance(parsed, ResidentReply)
    assert parsed.action in get_args(ResidentAction)
    assert parsed.language in (None, "en", "es")
    if parsed.action == "choose":  # the inbox reads the choice with int()
        assert 1 <= int(parsed.argument) <= 5
    if parsed.action == "join":
        assert parsed.argument


# --- 3. /cms commands -------------------------------------------------------------------------

SLASH_TOKENS = (
    "help", "incidents", "open", "today", "ack", "log", "close", "oncall", "roster", "takedown",
    "takedowns", "cancel-takedown", "broadcast", "INC-12", "TD-3", "eny", "precinct:75",
    "zip:11207", "2026-07-04", "tomorrow", "mediated", "hospital visit", "|", "es:", " ",
)
SLASH_NAMES = st.sampled_from(("help", "incidents", "ack", "log", "close", "oncall", "roster",
                               "takedown", "takedowns", "cancel-takedown", "broadcast",
                               "dashboard", "Close", "BROADCAST"))
# Hostile text, and commands as coordinators type them: a command's name, then words.
SLASH_TEXT = any_or(grammar(*SLASH_TOKENS)) | st.builds(
    lambda name, rest: f"{name} {rest}", SLASH_NAMES, spaced(*SLASH_TOKENS, "12", "#3", "note"))


@settings(max_examples=300)
@given(text=SLASH_TEXT)
def test_any_slash_command_is_a_command_or_a_usage_message(text: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, (Command, Usage, *get_args(RosterCommand)))
    if isinstance(parsed, Usage):
        assert parsed.message.strip()
        return
    if not isinstance(parsed, Command):  # the roster commands have no spelling back yet
        return
    if parsed.name == "close":
        assert parsed.outcome in OUTCOMES
    assert parse_command(parsed.as_text()) == parsed, parsed.as_text()


# --- 4. Incident JSON -------------------------------------------------------------------------

INCIDENT_FIELDS = ("id", "occurred_at", "lat", "lon", "precinct", "borough", "fatal", "victims",
                   "location", "hospital", "source", "verified")
HUGE_NUMBERS = (10**400, -(10**400), 2**63, 2**64 + 1, 1e308, -1e308, 5e-324, 0, -0.0,
                math.nan, math.inf, -math.inf)
# Strings a feed might send for a number, a time or an id: the parser must read or refuse them.
FEED_STRINGS = ("75", " 75 ", "075", "0", "1000", "-1", "7.5", "1e3", "9" * 5000, ARABIC_75, "\u00b2",
                "\u1369", ARABIC_12, "2026-07-04T23:15:00-04:00", "2026-07-04T23:15:00Z",
                "2026-07-04T23:15:00", "2026-07-04", "0001-01-01T00:00:00+05:00",
                "9999-12-31T23:59:59-05:00", "2026-02-30T00:00:00Z", "2026-07-04T24:00:00Z",
                "NYPD-261190287", "A", "a\n", "-x", "true", "null", "")
SCALARS = (st.none() | st.booleans() | st.integers() | st.sampled_from(HUGE_NUMBERS)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(CHARACTERS, max_size=60)
           | st.sampled_from(FEED_STRINGS))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.text(CHARACTERS, max_size=10), inner, max_size=4)),
    max_leaves=20,
)
INCIDENT_LIKE = st.dictionaries(st.sampled_from(INCIDENT_FIELDS) | st.text(CHARACTERS, max_size=8),
                                JSON_VALUES, max_size=len(INCIDENT_FIELDS) + 2)
# Mostly-valid payloads, so that every field's own check is reached, not only the first one's;
# a changed field gets a value a feed might really send as often as any JSON at all.
FIELD_VALUES = st.sampled_from(FEED_STRINGS) | st.sampled_from(HUGE_NUMBERS) | JSON_VALUES
GOOD_INCIDENT: dict[str, object] = {"id": "NYPD-1", "occurred_at": "2026-07-04T23:15:00-04:00",
                                    "lat": 40.67, "lon": -73.89, "precinct": 75}
NEAR_VALID = st.builds(lambda changes, dropped: {**{k: v for k, v in GOOD_INCIDENT.items()
                                                     if k not in dropped}, **changes},
                       st.dictionaries(st.sampled_from(INCIDENT_FIELDS), FIELD_VALUES, max_size=3),
                       st.sets(st.sampled_from(tuple(GOOD_INCIDENT)), max_size=1))


def check_incident_answer(payload: object) -> Incident | None:
    """The incident, or None for an IncidentError naming its field. An accepted incident, sent
    on as JSON (the API shows it, a feed relays it), is parsed back as the very same incident."""
    try:
        incident = parse_incident(payload)
    except IncidentError as error:
        assert error.field.strip()
        assert str(error).startswith(error.field), str(error)
        return None
    again = parse_incident(json.loads(json.dumps(incident.to_json())))
    assert again == incident
    assert again.occurred_at.utcoffset() == incident.occurred_at.utcoffset()  # not only the instant
    return incident


@settings(max_examples=300)
@given(payload=JSON_VALUES | INCIDENT_LIKE)
def test_any_json_is_an_incident_or_an_incident_error_naming_its_field(payload: object) -> None:
    check_incident_answer(payload)


@settings(max_examples=400)
@given(payload=NEAR_VALID)
@example(payload={**GOOD_INCIDENT, "lat": 10**400})  # math.isfinite() overflowed
@example(payload={**GOOD_INCIDENT, "precinct": "\u00b2"})  # isdigit() yet int() refuses it
@example(payload={**GOOD_INCIDENT, "precinct": "9" * 5000})  # more digits than int() reads
def test_a_payload_with_any_field_changed_is_an_incident_or_an_incident_error(
        payload: dict[str, object]) -> None:
    incident = check_incident_answer(payload)
    if incident is not None:
        assert incident.precinct is not None or incident.has_point
        assert incident.lat is None or (math.isfinite(incident.lat) and -90 <= incident.lat <= 90)
        assert incident.occurred_at.utcoffset() is not None


OFFSETS = st.builds(timezone, st.timedeltas(timedelta(hours=-23, minutes=-59),
                                            timedelta(hours=23, minutes=59)))


# Any day, and the first and last days of the calendar in particular.
MOMENTS = (st.datetimes(timezones=OFFSETS)
           | st.datetimes(max_value=datetime(1, 1, 3), timezones=OFFSETS)
           | st.datetimes(min_value=datetime(9999, 12, 29), timezones=OFFSETS))


@settings(max_examples=300)
@given(moment=MOMENTS)
@example(moment=datetime(1, 1, 1, tzinfo=UTC))  # accepted, then no New York time for it
def test_any_time_an_incident_is_accepted_with_can_be_shown_in_the_city(moment: datetime) -> None:
    incident = check_incident_answer({**GOOD_INCIDENT, "occurred_at": moment.isoformat()})
    if incident is not None:
        assert when(incident.occurred_at, NY)


# --- 5. NYPD CSV rows -------------------------------------------------------------------------

# The column sets of the exports in the shared data folder (see its README, section 1).
HISTORIC = ("INCIDENT_KEY", "OCCUR_DATE", "OCCUR_TIME", "BORO", "PRECINCT", "JURISDICTION_CODE",
            "LOCATION_DESC", "STATISTICAL_MURDER_FLAG", "PERP_AGE_GROUP", "PERP_SEX", "PERP_RACE",
            "VIC_AGE_GROUP", "VIC_SEX", "VIC_RACE", "X_COORD_CD", "Y_COORD_CD", "Latitude",
            "Longitude", "Lon_Lat")
YTD_2021 = (*HISTORIC[:-1], "New Georeferenced Column")
YTD_2025 = ("INCIDENT_KEY", "OCCUR_DATE", "OCCUR_TIME", "BORO", "LOC_OF_OCCUR_DESC", "PRECINCT",
            "JURISDICTION_CODE", "LOC_CLASSFCTN_DESC", "LOCATION_DESC", "STATISTICAL_MURDER_FLAG",
            "PERP_AGE_GROUP", "PERP_SEX", "PERP_RACE", "VIC_AGE_GROUP", "VIC_SEX", "VIC_RACE",
            "X_COORD_CD", "Y_COORD_CD", "Latitude", "Longitude", "New Georeferenced Column")
YTD_2022 = (*YTD_2025, "Borough Boundaries", "City Council Districts", "Police Precincts",
            "Zip Codes", "Community Districts")
COMBINED = (*YTD_2025[:-1], "SOURCE_FILE")
COLUMN_SETS = (HISTORIC, YTD_2021, YTD_2022, YTD_2025, COMBINED, REQUIRED_COLUMNS,
               REQUIRED_COLUMNS[2:], ("id", "occurred_at"))
# A valid cell for each column (a few incident keys, so that victim rows group and merge) ...
VALID = {
    "INCIDENT_KEY": ("236168668", "24050482", "K-3"),
    "OCCUR_DATE": ("8/27/06", "08/27/2006", "2006-08-27"),
    "OCCUR_TIME": ("5:35:00", "23:15:00"),
    "PRECINCT": ("75", "73"),
    "STATISTICAL_MURDER_FLAG": ("TRUE", "false", "Y", "N"),
    "LATITUDE": ("40.6712", "", "0"),
    "LONGITUDE": ("-73.9002", "", "0"),
    "X_COORD_CD": ("1,006,621", "1006621.5", ""),
    "Y_COORD_CD": ("184,340", "184340.25", ""),
}
# ... the odd cells each column has held or could hold ...
TYPICAL = {
    "INCIDENT_KEY": ("236168668", "24050482", "K-3", "(null)", "", " 1 ", "no key!", "x" * 81),
    "OCCUR_DATE": ("8/27/06", "08/27/2006", "2006-08-27", "2006-8-27", "2/30/2020", "13/1/2020",
                   "12/31/9999", "1/1/0001", "0000-01-01", f"1/1/{ARABIC_12}", "27.08.2006", "Aug 27 2006"),
    "OCCUR_TIME": ("5:35:00", "05:35:00", "23:59", "23:00:00", "02:30:00", "24:00:00", "7:60",
                   "12:00 PM", f"{ARABIC_12}:00"),
    "PRECINCT": ("75", "075", "116", "0", "1000", "-75", "7.5", "75.0", ARABIC_75, "\u00b2", "9" * 5000),
    "STATISTICAL_MURDER_FLAG": ("TRUE", "false", "Y", "N", "y", "1", "maybe"),
    "LATITUDE": ("40.6712", "0", "-0", "91", "nan", "inf", "1e400", "40,67"),
    "LONGITUDE": ("-73.9002", "0", "-181", "-inf", "-73,90"),
    "X_COORD_CD": ("1,006,621", "1006621.5", "0", "1e308", "-1e30", "5e9", "1e400"),
    "Y_COORD_CD": ("184,340", "184340.25", "0", "-1e308", "1e30", "nan"),
    "JURISDICTION_CODE": ("0", "1", "2", "9"),
    "LOCATION_DESC": ("NONE", "MULTI DWELL - PUBLIC HOUS", "(null)"),
}
# ... and hostile ones for any column: (null), blanks, huge numbers, short rows (None).
HOSTILE_CELLS = (st.sampled_from(("(null)", "(NULL)", "", "   ", "\ufeff", "1,006,621",
                                  "99999999999999999999", "-1e309", "1" + "0" * 400, "9" * 5000))
                 | st.text(CHARACTERS, max_size=30) | st.none())


def cell(column: str) -> st.SearchStrategy[str | None]:
    """Mostly a valid cell, so that every check is reached, not only the first one of a row."""
    name = column.lstrip("\ufeff").strip().upper()
    odd = st.sampled_from(TYPICAL.get(name, ("",))) | HOSTILE_CELLS
    return st.integers(0, 5).flatmap(lambda n: odd if n == 5 else st.sampled_from(VALID.get(name, ("",))))


@st.composite
def header(draw: st.DrawFn) -> list[str]:
    """One export's column names, each maybe lower-cased or padded, the first maybe BOM-prefixed."""
    names = [draw(st.sampled_from((name, name.lower(), f" {name} ")))
             for name in draw(st.sampled_from(COLUMN_SETS))]
    if names and draw(st.booleans()):
        names[0] = "\ufeff" + names[0]
    return names


@st.composite
def csv_rows(draw: st.DrawFn) -> list[tuple[int, dict[Any, Any]]]:
    """(line, row) pairs as csv.DictReader numbers and fills them, long rows' extras under None."""
    names = draw(header())
    rows: list[tuple[int, dict[Any, Any]]] = []
    for line in range(2, 2 + draw(st.integers(0, 8))):
        row: dict[Any, Any] = {name: draw(cell(name)) for name in names}
        if draw(st.integers(0, 9)) == 0:  # a row with more cells than the header
            row[None] = draw(st.lists(st.text(CHARACTERS, max_size=5), min_size=1, max_size=3))
        rows.append((line, row))
    return rows


# A problem names the field at fault, or says why the row as a whole cannot be used.
PROBLEM_STARTS = (
    "INCIDENT_KEY: ", "OCCUR_DATE: ", "OCCUR_TIME: ", "PRECINCT: ", "STATISTICAL_MURDER_FLAG: ",
    "Latitude: ", "Longitude: ", "X_COORD_CD: ", "Y_COORD_CD: ", "Latitude/Longitude: ",
    "X_COORD_CD/Y_COORD_CD: ", "unknown column set: ",
    "Latitude/Longitude, X_COORD_CD/Y_COORD_CD and PRECINCT all missing",
)


def victim(**cells: str) -> dict[str, str]:
    """A good row of the minimal layout, with some cells changed."""
    return {"INCIDENT_KEY": "1", "OCCUR_DATE": "8/27/06", "OCCUR_TIME": "5:35:00", "PRECINCT": "75",
            "STATISTICAL_MURDER_FLAG": "N", "Latitude": "", "Longitude": "", **cells}


@settings(max_examples=400, deadline=None)
@given(rows=csv_rows())
@example(rows=[(2, victim(OCCUR_DATE="12/31/9999", OCCUR_TIME="23:15:00"))])  # past UTC's last day
@example(rows=[(2, victim(X_COORD_CD="1e308", Y_COORD_CD="1e308"))])  # math.pow overflowed
@example(rows=[(2, victim(PRECINCT="9" * 5000))])  # more digits than int() reads
def test_every_nypd_line_ends_in_exactly_one_incident_or_one_problem(
        rows: list[tuple[int, dict[Any, Any]]]) -> None:
    incidents, problems = group_rows(rows)
    assert all(isinstance(incident, NypdIncident) for incident in incidents)
    assert all(isinstance(problem, RowProblem) for problem in problems)
    accounted = [line for incident in incidents for line in incident.lines]
    accounted += [problem.line for problem in problems]
    assert sorted(accounted) == [line for line, _ in rows]
    for problem in problems:
        assert problem.reason.startswith(PROBLEM_STARTS), problem.reason
    for incident in incidents:
        assert incident.victims == len(incident.lines)
        assert incident.precinct is not None or incident.lat is not None
    # One row per victim: every accepted row is a victim of exactly one shooting.
    assert sum(incident.victims for incident in incidents) == len(rows) - len(problems)
    assert len({incident.key for incident in incidents}) == len(incidents)
    for incident in incidents:  # and what replay posts, ingest takes as the same shooting ...
        try:
            posted = parse_incident(incident.to_json())
        except IncidentError as error:  # ... or refuses by a limit of its own (text lengths,
            # the year 9999), which replay reports with the incident's lines
            assert error.field in (*TEXT_LIMITS, "occurred_at"), error
            continue
        assert (posted.victims, posted.fatal, posted.precinct) == (
            incident.victims, incident.fatal, incident.precinct)
        assert (posted.lat, posted.lon) == (incident.lat, incident.lon)


@settings(max_examples=300)
@given(names=header() | st.lists(st.sampled_from(HISTORIC) | SHORT_TEXT, max_size=25))
def test_any_header_is_a_layout_or_a_value_error(names: list[str]) -> None:
    def layout_of(header: list[str]) -> str:
        try:
            return detect_columns(header)
        except ValueError as error:
            assert str(error).startswith("not an NYPD shooting incident file: no ")
            return "refused"

    layout = layout_of(names)
    assert layout in ("historic", "ytd", "combined", "refused")
    # Columns are read by name whatever their case, padding or BOM.
    assert layout_of([name.lstrip("\ufeff").strip().upper() for name in names]) == layout


# --- 6. The sites file ------------------------------------------------------------------------

YAML_KEYS = st.text(CHARACTERS, max_size=12) | st.integers(-3, 3) | st.booleans() | st.none()
YAML_SCALARS = (st.none() | st.booleans() | st.integers() | st.sampled_from((10**400, -(10**400)))
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(CHARACTERS, max_size=30)
                | st.sampled_from(("+12125550175", "212-555-0176", "precinct:75", "precinct:99",
                                   "nowhere:1", "mon-fri 18:00-02:00", "daily 25:00-26:00",
                                   "10m", "0m", "99999999999999999999d", "1d 10:00", "supervisor",
                                   "C075ENY", "U0COORD1", "eny", "Polygon", "")))
COORDINATES = st.recursive(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-200, 200),
                           lambda inner: st.lists(inner, max_size=5), max_leaves=16)
GEOMETRIES = st.fixed_dictionaries(
    {"type": st.sampled_from(("Polygon", "MultiPolygon", "Point", "LineString",
                              "GeometryCollection", "Feature", "polygon", "Circle")) | YAML_SCALARS},
    optional={"coordinates": COORDINATES, "geometries": st.lists(st.just({}), max_size=2)},
)
FENCES = (GEOMETRIES | st.builds(lambda g: {"polygon": g}, GEOMETRIES)
          | st.builds(lambda lat, lon, r: {"circle": {"lat": lat, "lon": lon, "radius_m": r}},
                      YAML_SCALARS, YAML_SCALARS, YAML_SCALARS))
YAML_VALUES = st.recursive(
    YAML_SCALARS | FENCES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(YAML_KEYS, inner, max_size=4),
    max_leaves=12,
)
GOOD_SITES = sites_data()
DELETE = object()


def paths(node: object, path: tuple[Hashable, ...] = ()) -> list[tuple[Hashable, ...]]:
    """Every place in a document: the keys and indexes that lead to it."""
    inside: list[tuple[Hashable, ...]] = []
    if isinstance(node, dict):
        inside = [p for key, value in node.items() for p in paths(value, (*path, key))]
    elif isinstance(node, list):
        inside = [p for index, value in enumerate(node) for p in paths(value, (*path, index))]
    return [path, *inside]


def mutate(document: dict[str, Any], changes: list[tuple[tuple[Hashable, ...], object]]) -> object:
    """The document with each path replaced by a value, or removed; a path gone already is skipped."""
    result: object = copy.deepcopy(document)
    for path, value in changes:
        if not path:
            result = value
            continue
        parent = result
        for step in path[:-1]:
            parent = step_into(parent, step)
        last = path[-1]
        inside = last in parent if isinstance(parent, dict) else \
            isinstance(parent, list) and isinstance(last, int) and last < len(parent)
        if inside:
            if value is DELETE:
                del parent[last]
            else:
                parent[last] = value
    return result


def step_into(node: object, step: Hashable) -> object:
    if isinstance(node, dict) and step in node:
        return node[step]
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return None


MUTATED_SITES = st.lists(
    st.tuples(st.sampled_from(paths(GOOD_SITES)), YAML_VALUES | st.just(DELETE)), min_size=1, max_size=3,
).map(lambda changes: mutate(GOOD_SITES, changes))


def check_sites_answer(data: object) -> None:
    """Sites in which every member is found by their phone, or a SitesError listing problems."""
    try:
        sites = parse_sites(data, LAYERS, NY)
    except SitesError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.where.strip() and problem.message.strip(), problem
        return
    assert isinstance(sites, Sites)
    for team in sites.teams:
        assert sites.team(team.id) == team
        for member in team.members:
            assert sites.is_staff(member.phone) and team in sites.teams_of_phone(member.phone)


@settings(max_examples=200, deadline=None)
@given(data=YAML_VALUES)
@example(data={"": None})  # an unknown blank key was reported at where=""
def test_any_yaml_data_is_sites_or_a_sites_error_listing_its_problems(data: object) -> None:
    check_sites_answer(data)


@settings(max_examples=300, deadline=None)
@given(data=MUTATED_SITES)
@example(data=mutate(GOOD_SITES, [(("teams", 2, "geofences", 0, "circle", "lat"), 10**400)]))
@example(data=mutate(GOOD_SITES, [(("teams", 0, "geofences", 0), {"type": "Circle"})]))
def test_a_sites_file_with_anything_changed_is_sites_or_a_sites_error(data: object) -> None:
    check_sites_answer(data)


def test_the_unchanged_sites_file_still_builds() -> None:
    """The mutations above start from a file that is valid, so they test one change at a time."""
    assert isinstance(parse_sites(GOOD_SITES, LAYERS, NY), Sites)


# --- 7. Shifts, durations, takedown dates and playbook steps ----------------------------------

SHIFT_TEXT = any_or(grammar("mon", "fri", "sun", "tue", "xyz", "daily", "-", ",", " ", "18:00",
                            "02:00", "24:00", "23:59", "99:99", "1", ":", "00", "60"))
DURATION_TEXT = any_or(grammar("1", "10", "90", "0", "99999999999999999999", "9" * 5000, "s",
                               "m", "h", "d", "w", " ", "1h30m"))
NUMBERS = (st.integers(0, 40).map(str) | st.integers(min_value=0).map(str)
           | st.sampled_from(("00", ARABIC_12, "\u00b2", "99999999999999999999", "9" * 5000)))
DATE_TEXT = any_or(grammar("today", "tomorrow", "yesterday", "2026", "12", "1", "31", "0", "/",
                           "-", "2026-12-01", "12/1/26", "99999999999999999999", "9" * 5000)
                   | st.lists(NUMBERS, min_size=2, max_size=3).map("/".join)
                   | st.lists(NUMBERS, min_size=3, max_size=3).map("-".join))
STEP_AT = any_or(grammar("0d", "1d", "7d", "999d", "1000d", " ", "10:00", "18:30", "24:00",
                         "9:60", "d"))
STEP_TEXT = any_or(grammar("Check in with ", "{area}", "{date}", "{note}", "{day}", "{name}",
                           "{", "}", " "))


def refused_with(error_type: type[Exception], parse: Callable[[], T]) -> T | None:
    """What `parse()` returns, or None when it raised `error_type` with a message; nothing else
    escapes."""
    try:
        return parse()
    except error_type as error:
        assert str(error).strip()
        return None


@settings(max_examples=300)
@given(text=SHIFT_TEXT)
def test_any_shift_text_is_a_shift_or_a_shift_error(text: str) -> None:
    shift = refused_with(ShiftError, lambda: parse_shift(text))
    if shift is not None:  # on from its first minute to its last, every day it names
        assert shift.starts and 0 < shift.length <= 24 * 60
        for start in shift.starts:
            assert shift.covers(A_MONDAY + timedelta(minutes=start))
            assert shift.covers(A_MONDAY + timedelta(minutes=start + shift.length - 1))


@settings(max_examples=300)
@given(value=DURATION_TEXT | YAML_SCALARS | st.integers(min_value=2**40))
@example(value=1440000000000)  # minutes past what a timedelta holds
@example(value="9" * 5000 + "m")  # more digits than int() reads
def test_any_duration_is_a_timedelta_or_a_duration_error(value: object) -> None:
    duration = refused_with(DurationError, lambda: parse_duration(value))
    if duration is not None:  # positive, and written back the way the sites file would, the same
        assert duration > timedelta(0)
        assert parse_duration(format_duration(duration)) == duration


@settings(max_examples=300)
@given(text=DATE_TEXT)
@example(text="0/2147483648")  # date() overflows a C int before it checks the month
def test_any_takedown_date_is_a_date_or_a_takedown_error(text: str) -> None:
    day = refused_with(TakedownError, lambda: parse_date(text, TODAY))
    if day is not None:  # never more than a week back, and its ISO spelling reads the same
        assert day >= TODAY - LOOKBACK
        assert parse_date(day.isoformat(), TODAY) == day


@settings(max_examples=300)
@given(raw=st.fixed_dictionaries({}, optional={"at": STEP_AT | YAML_SCALARS,
                                               "to": st.sampled_from(("team", "residents")) | YAML_SCALARS,
                                               "text": STEP_TEXT | YAML_SCALARS}))
def test_any_playbook_step_is_a_step_or_a_playbook_error(raw: dict[str, object]) -> None:
    step = refused_with(PlaybookError, lambda: parse_step(raw))
    if step is not None:  # every placeholder it was accepted with is filled in when it is sent
        sent = fill(step, "Brownsville", TODAY, "after the arrests")
        assert not any(f"{{{name}}}" in sent for name in ("area", "date", "note", "day")), sent


# --- 8. Finding a resident's zone -------------------------------------------------------------

ZONES = (zones_from_layer("zip", {"11207": "11207", "10001": ""}, {"10001": ["10001", "10118"]})
         + zones_from_layer("nta", {
             "BK82": "East New York", "BK85": "East New York (Pennsylvania Ave)",
             "BK75": "Bedford-Stuyvesant", "QN08": "St. Albans", "QN51": "Murray Hill",
             "MN20": "Murray Hill-Kips Bay", "BX13": "Co-op City", "BK61": "Crown Heights North",
             "BK63": "Crown Heights South", "BK64": "Crown Heights East", "BK65": "Crown Heights West",
             "BK66": "Crown Heights Central", "SI01": "Annadale-Huguenot-Prince's Bay-Eltingville"}))
ANY_ZONES = st.lists(st.builds(lambda key, label, aliases: Zone(f"nta:{key}", "nta", key, label, aliases),
                               SHORT_TEXT, SHORT_TEXT, st.lists(SHORT_TEXT, max_size=2).map(tuple)),
                     max_size=8)
ZONE_TEXT = any_or(grammar("East", "E", "New York", "ST", "St.", "Crown Heights", "Heights",
                           "Bed-Stuy", "Prince's", "11207", "10118", "-", "&", "'", " "))


@settings(max_examples=300, deadline=None)
@given(query=ZONE_TEXT, zones=st.just(ZONES) | ANY_ZONES)
@example(query="new", zones=[Zone("nta:BK82", "nta", "BK82", "East New York", ("-",))])  # 0 words
def test_any_query_finds_one_zone_a_short_list_or_nothing(query: str, zones: list[Zone]) -> None:
    found = find_zone(query, zones)
    assert len(found.choices) <= MAX_CHOICES
    assert found.zone is None or not found.choices
    assert all(zone in zones for zone in (found.zone, *found.choices) if zone is not None)


@settings(max_examples=300)
@given(text=ZONE_TEXT)
def test_any_text_normalises_to_single_spaced_words(text: str) -> None:
    normalised = normalise(text)
    assert normalised == " ".join(normalised.split())


# --- 9. GSM-7 and the alert SMS ---------------------------------------------------------------


@settings(max_examples=300)
@given(text=ANY_TEXT)
def test_any_text_renders_in_gsm7(text: str) -> None:
    assert is_gsm7(to_gsm7(text))


@settings(max_examples=300)
@given(text=ANY_TEXT | st.text(string.printable + "€^{}[]~|\\", max_size=2000),
       max_segments=st.integers(1, 10))
def test_fit_keeps_any_text_within_its_segments(text: str, max_segments: int) -> None:
    fitted = fit(text, max_segments)
    assert segments(fitted) <= max_segments
    if segments(text) <= max_segments:
        assert fitted == text


@settings(max_examples=300, deadline=None)
@given(location=st.text(CHARACTERS, max_size=200) | st.text(CHARACTERS, min_size=150, max_size=200),
       hospital=st.none() | st.text(CHARACTERS, max_size=120),
       borough=st.none() | st.text(CHARACTERS, max_size=40),
       victims=st.integers(0, 100), fatal=st.booleans(), number=st.integers(1, 999),
       unrouted=st.booleans(), warning=st.sampled_from(("", "Possible retaliation for #12")))
def test_any_location_renders_an_alert_of_at_most_two_gsm7_segments(
        location: str, hospital: str | None, borough: str | None, victims: int, fatal: bool,
        number: int, unrouted: bool, warning: str) -> None:
    incident = parse_incident({**GOOD_INCIDENT, "location": location, "hospital": hospital,
                               "borough": borough, "victims": victims, "fatal": fatal})
    sms = render_alert_sms(incident, number, NY, unrouted=unrouted, warning=warning)
    assert is_gsm7(sms)
    assert segments(sms) <= MAX_ALERT_SEGMENTS
    assert sms.startswith(f"CMS ALERT #{number}: ")
