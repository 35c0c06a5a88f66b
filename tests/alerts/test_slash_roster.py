"""`/cms` roster commands as coordinators type them: members, cover, calendar, the audit."""

import itertools
from datetime import timedelta

import pytest

from alerts.roster_commands import (
    CalendarRequest,
    Cover,
    MemberAdd,
    MemberPhone,
    MemberRemove,
    MemberRole,
    MemberShifts,
    RosterChanges,
)
from alerts.shifts import parse_shift
from alerts.slash import Command, Usage, help_text, parse_command
from alerts.until import At, For

ANA = "+17185550101"
COMMANDS = [
    ('member add man-up-eny "Ana Diaz" 718-555-0101 interrupter',
     MemberAdd("man-up-eny", "Ana Diaz", ANA, "interrupter")),
    ("member add Man-Up-ENY \u201cAna Diaz\u201d (718) 555 0101 Outreach",
     MemberAdd("man-up-eny", "Ana Diaz", ANA, "outreach")),
    ("member add cure Ana Diaz +1 718 555 0101 hospital",
     MemberAdd("cure", "Ana Diaz", ANA, "hospital")),
    ("MEMBER ADD cure Ana 7185550101 supervisor", MemberAdd("cure", "Ana", ANA, "supervisor")),
    ("member add cure O'Neil 7185550101 outreach", MemberAdd("cure", "O'Neil", ANA, "outreach")),
    ("member remove man-up-eny Ana Diaz", MemberRemove("man-up-eny", "Ana Diaz")),
    ('member remove cure "  Ana   Diaz "', MemberRemove("cure", "Ana Diaz")),
    ("member phone Ana Diaz 718 555 0101", MemberPhone("Ana Diaz", ANA)),
    ('member phone "Ana Diaz" +17185550101', MemberPhone("Ana Diaz", ANA)),
    ("member phone man-up-eny Ana 7185550101", MemberPhone("Ana", ANA, "man-up-eny")),
    ('member phone cure "Ana Diaz" 7185550101', MemberPhone("Ana Diaz", ANA, "cure")),
    ("member role Ana Supervisor", MemberRole("Ana", "supervisor")),
    ('member role bivo-brownsville "Ana Diaz" outreach',
     MemberRole("Ana Diaz", "outreach", "bivo-brownsville")),
    ("member shifts Ana mon-fri 18:00-02:00",
     MemberShifts("Ana", (parse_shift("mon-fri 18:00-02:00"),))),
    ("member shifts man-up-eny Ana Diaz mon-fri 18:00-02:00; sat,sun 10:00-16:00;",
     MemberShifts("Ana Diaz", (parse_shift("mon-fri 18:00-02:00"),
                               parse_shift("sat,sun 10:00-16:00")), "man-up-eny")),
    ("member shifts Ana none", MemberShifts("Ana", ())),
    ("cover man-up-eny Ana until 8am", Cover("man-up-eny", "Ana", At(8))),
    ('cover man-up-eny "Ana Diaz" for Luis until tomorrow 9am',
     Cover("man-up-eny", "Ana Diaz", At(9, 0, "tomorrow"), "Luis")),
    ('cover cure Ana for "Luis Feliz" until Monday 9:30am',
     Cover("cure", "Ana", At(9, 30, "mon"), "Luis Feliz")),
    ("cover cure Ana until 12h", Cover("cure", "Ana", For(timedelta(hours=12)))),
    ("cover cure Ana for 3d", Cover("cure", "Ana", For(timedelta(days=3)))),
    ("cover cure Ana for Luis for 12h", Cover("cure", "Ana", For(timedelta(hours=12)), "Luis")),
    ("cover coordinators Maria Lopez until 08:00", Cover("coordinators", "Maria Lopez", At(8))),
    ("calendar", CalendarRequest()),
    ("roster man-up-eny changes", RosterChanges("man-up-eny")),
    ("roster Man-Up-ENY Changes", RosterChanges("man-up-eny")),
]


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_roster_commands_are_understood(text, expected):
    assert parse_command(text) == expected


def test_the_commands_that_were_there_still_are():
    assert parse_command("roster man-up-eny") == Command("roster", team_id="man-up-eny")
    assert parse_command("oncall coordinators") == Command("oncall", team_id="coordinators")


MISTAKES = [
    ("member", "Member commands:"),
    ("member fly", "I don't know `member fly`"),
    ("member add cure Ana 7185550101", "needs a team, a name, a phone number and a role"),
    ("member add cure Ana Diaz outreach x", "give the name, then the phone number"),
    ("member add cure 7185550101 Ana outreach", "give the name, then the phone number"),
    ('member add cure "Ana Diaz 7185550101 outreach', "close the quotes around a name"),
    ("member add cure Ana 7185550101 boss", "'boss' is not a role; roles are interrupter, "
                                            "outreach, hospital, supervisor"),
    ("member add cure Ana 12 outreach", "is not a valid number"),
    ("member add cure Ana phone#1 outreach", "is not a phone number"),
    ("member add Man_Up Ana 7185550101 outreach", "'Man_Up' is not a team id"),
    ('member add "cure" Ana 7185550101 outreach', "'cure' is not a team id"),
    ('member add cure "" 7185550101 outreach', "name the member"),
    (f"member add cure {'a' * 81} 7185550101 outreach", "a name is at most 80 characters"),
    ("member remove cure", "member remove needs a team and a name"),
    ("member phone Ana", "give the name, then the new phone number"),
    ('member phone cure "Ana" Diaz 7185550101', 'put the whole name in quotes: "Ana Diaz"'),
    ("member role supervisor", "member role needs a name and a role"),
    ("member role Ana boss", "'boss' is not a role"),
    ("member shifts Ana", "give the name, then shifts like mon-fri 18:00-02:00, or none"),
    ("member shifts none", "give the name, then shifts"),
    ("member shifts Ana mon-fri 25:00-02:00", "'25:00' is not a time of day"),
    ("member shifts Ana xyz 18:00-02:00", "days are written mon, tue"),
    ("member shifts Ana mon 18:00", "is not a shift"),
    ("cover", "cover needs a team (or coordinators), a name and an end time"),
    ("cover cure Ana", "say until when"),
    ("cover cure Ana for Luis", "say until when"),
    ("cover cure until 8am", "name the member"),
    ("cover cure Ana for until 8am", "name the member"),
    ("cover cure Ana until", "say until when"),
    ("cover cure Ana until blah", "'blah' is not a time; write 8am, 08:00, tomorrow 9am"),
    ("cover cure Ana until 8", "8 what? write 8am, 8pm or 8h"),
    ("cover cure Ana until 13pm", "is not a time of day"),
    ("cover cure Ana until 100d", "too long: at most 90d"),
    ("calendar now", "/cms calendar"),
    ("roster cure audit", "/cms roster TEAM [changes]"),
]


@pytest.mark.parametrize(("text", "says"), MISTAKES)
def test_a_roster_mistake_says_what_is_wrong_and_what_to_type(text, says):
    answer = parse_command(text)
    assert isinstance(answer, Usage), answer
    assert says.lower() in answer.message.lower()


@pytest.mark.parametrize(("text", "usage"), [
    ("member add cure Ana 7185550101 boss", "/cms member add TEAM NAME PHONE ROLE"),
    ("member phone Ana", "/cms member phone [TEAM] NAME NUMBER"),
    ("member shifts Ana", "/cms member shifts [TEAM] NAME SHIFT[; SHIFT...]"),
    ("cover cure Ana", "/cms cover TEAM NAME [for OTHER] until TIME"),
])
def test_a_mistake_ends_with_its_usage_line(text, usage):
    answer = parse_command(text)
    assert isinstance(answer, Usage) and f"Usage: `{usage}`" in answer.message


def test_help_lists_the_roster_commands():
    text = help_text()
    for usage in ("/cms member add TEAM NAME PHONE ROLE", "/cms member remove TEAM NAME",
                  "/cms member phone [TEAM] NAME NUMBER", "/cms member role [TEAM] NAME ROLE",
                  "/cms member shifts [TEAM] NAME SHIFT", "/cms cover TEAM NAME [for OTHER]",
                  "/cms calendar", "/cms roster TEAM [changes]"):
        assert usage in text


ODD = ["", " ", '"', '""', "\u201c", "\u201d", "'", "for", "until", "till", "none", ";", "-",
       "+", "(", "7185550101", "+1", "mon-fri", "18:00-02:00", "8am", "tomorrow", "12h", "0h",
       "99999999999999d", "\u00a0", "\u212a", "\u0663", "\U0001f600", "cure", "Ana", "x" * 300,
       "interrupter", "coordinators", "changes", "9" * 400]


@pytest.mark.parametrize("name", ["member add", "member remove", "member phone", "member role",
                                  "member shifts", "cover", "calendar", "roster"])
def test_odd_words_give_a_command_or_a_usage_and_nothing_else(name):
    for size in (1, 2, 3):
        for combo in itertools.islice(itertools.product(ODD, repeat=size), 0, None, 5):
            answer = parse_command(f"{name} {' '.join(combo)}")
            if isinstance(answer, Usage):
                assert answer.message.strip()
