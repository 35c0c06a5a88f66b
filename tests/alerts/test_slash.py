"""`/cms` commands as coordinators type them."""

import pytest

from alerts.slash import Command, Usage, help_text, parse_command

COMMANDS = [
    ("", Command("help")),
    ("help", Command("help")),
    ("incidents", Command("incidents", scope="open")),
    ("incidents today", Command("incidents", scope="today")),
    ("INCIDENTS Open", Command("incidents", scope="open")),
    ("ack NYPD-261234567", Command("ack", "NYPD-261234567")),
    ("log NYPD-1 spoke with the family", Command("log", "NYPD-1", "spoke with the family")),
    ("close NYPD-1 mediated", Command("close", "NYPD-1", "", "mediated")),
    ("close NYPD-1 hospital visit mother present", Command("close", "NYPD-1", "mother present",
                                                           "hospital-visit")),
    ("oncall", Command("oncall")),
    ("oncall man-up-eny", Command("oncall", team_id="man-up-eny")),
    ("roster Man-Up-ENY", Command("roster", team_id="man-up-eny")),
    ("takedown precinct:75 today", Command("takedown", area="precinct:75", date="today")),
    ("takedown man-up-eny 2026-12-01 after the Linden Houses operation",
     Command("takedown", area="man-up-eny", date="2026-12-01",
             text="after the Linden Houses operation")),
    ("takedowns", Command("takedowns")),
    ("takedowns TD-3", Command("takedowns", "TD-3")),
    ("cancel-takedown TD-3", Command("cancel-takedown", "TD-3")),
    ("cancel NYPD-1 unfounded: fireworks", Command("cancel", "NYPD-1", "unfounded: fireworks")),
    ("broadcast zip:11207 Community meeting tonight at 7",
     Command("broadcast", area="zip:11207", text="Community meeting tonight at 7")),
    ("broadcast nta:BK82 Meeting at 7 | es: Reunion a las 7",
     Command("broadcast", area="nta:BK82", text="Meeting at 7", text_es="Reunion a las 7")),
    ("dashboard", Command("dashboard")),
    ("new", Command("new")),
    ("assign NYPD-1 Bivo-Brownsville", Command("assign", "NYPD-1", team_id="bivo-brownsville")),
    ("unassign NYPD-1 man-up-eny", Command("unassign", "NYPD-1", team_id="man-up-eny")),
]


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_commands_are_understood(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_a_command_spelt_back_is_understood_the_same(text, expected):
    assert parse_command(expected.as_text()) == expected


@pytest.mark.parametrize(("command", "spelt"), [
    (Command("help"), "help"),
    (Command("incidents", scope="open"), "incidents open"),
    (Command("close", "NYPD-1", "mother present", "hospital-visit"),
     "close NYPD-1 hospital-visit mother present"),
    (Command("oncall"), "oncall"),
    (Command("broadcast", area="nta:BK82", text="Meeting at 7", text_es="Reunion a las 7"),
     "broadcast nta:BK82 Meeting at 7 | es: Reunion a las 7"),
])
def test_a_command_is_spelt_in_one_canonical_way(command, spelt):
    assert command.as_text() == spelt


@pytest.mark.parametrize(("text", "says"), [
    ("ack", "/cms ack ID"),
    ("ack NYPD-1 now", "/cms ack ID"),
    ("log NYPD-1", "/cms log ID text"),
    ("close NYPD-1", "mediated, hospital-visit"),
    ("close NYPD-1 because", "/cms close ID outcome"),
    ("roster", "/cms roster TEAM"),
    ("incidents yesterday", "/cms incidents [open|today]"),
    ("takedown precinct:75", "/cms takedown AREA DATE [note]"),
    ("cancel-takedown", "/cms cancel-takedown ID"),
    ("cancel NYPD-1", "/cms cancel ID reason"),
    ("broadcast zip:11207", "/cms broadcast ZONE text"),
    ("launch", "I don't know `launch`"),
])
def test_a_mistake_says_what_to_type(text, says):
    answer = parse_command(text)
    assert isinstance(answer, Usage) and says in answer.message


def test_help_lists_only_what_works():
    text = help_text()
    for command in ("incidents", "ack", "log", "close", "oncall", "roster", "help", "takedown",
                    "takedowns", "cancel-takedown", "broadcast", "dashboard", "cancel"):
        assert f"/cms {command}" in text
    assert "/cms report" not in text  # reports are on the dashboard and the command line


def test_dashboard_takes_no_arguments():
    assert parse_command("dashboard") == Command("dashboard")
    assert isinstance(parse_command("dashboard now"), Usage)
