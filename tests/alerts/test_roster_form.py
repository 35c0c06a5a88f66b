"""The dashboard's roster forms read into the commands Slack's `/cms member` and `/cms cover`
make, and a wrong field is named for the page to show beside it."""

from datetime import timedelta

import pytest

from alerts.roster_commands import (
    Cover,
    MemberAdd,
    MemberPhone,
    MemberRemove,
    MemberRole,
    MemberShifts,
)
from alerts.roster_form import FormError, command_from_form
from alerts.shifts import parse_shift
from alerts.until import At, For

ANA = "+17185550101"
TEAM = "man-up-eny"
FORMS = [
    ("add", {"name": "  Ana   Diaz ", "phone": "(718) 555-0101", "role": "Outreach"},
     MemberAdd(TEAM, "Ana Diaz", ANA, "outreach")),
    ("remove", {"name": "ana diaz"}, MemberRemove(TEAM, "ana diaz")),
    ("phone", {"name": "Ana Diaz", "phone": "718 555 0101"}, MemberPhone("Ana Diaz", ANA, TEAM)),
    ("role", {"name": "Ana Diaz", "role": "supervisor"},
     MemberRole("Ana Diaz", "supervisor", TEAM)),
    ("shifts", {"name": "Ana", "shifts": "mon-fri 18:00-02:00; sat 12:00-20:00"},
     MemberShifts("Ana", (parse_shift("mon-fri 18:00-02:00"), parse_shift("sat 12:00-20:00")),
                  TEAM)),
    ("shifts", {"name": "Ana", "shifts": ""}, MemberShifts("Ana", (), TEAM)),
    ("shifts", {"name": "Ana", "shifts": "None"}, MemberShifts("Ana", (), TEAM)),
    ("cover", {"name": "Ana", "other": "", "until": "8am"}, Cover(TEAM, "Ana", At(8, 0))),
    ("cover", {"name": "Ana", "other": " Ray  Ortiz", "until": "12h"},
     Cover(TEAM, "Ana", For(timedelta(hours=12)), "Ray Ortiz")),
]


@pytest.mark.parametrize(("action", "fields", "command"), FORMS)
def test_a_form_makes_the_command_slack_would(action, fields, command):
    assert command_from_form(action, TEAM, fields) == command


@pytest.mark.parametrize(("action", "fields", "field", "says"), [
    ("add", {"name": "", "phone": ANA, "role": "outreach"}, "name", "name the member"),
    ("add", {"name": "A" * 81, "phone": ANA, "role": "outreach"}, "name", "at most 80"),
    ("add", {"name": "Ana", "phone": "", "role": "outreach"}, "phone", "give a phone number"),
    ("add", {"name": "Ana", "phone": "call me", "role": "outreach"}, "phone", "not a phone"),
    ("add", {"name": "Ana", "phone": ANA, "role": "boss"}, "role", "choose a role"),
    ("shifts", {"name": "Ana", "shifts": "whenever"}, "shifts", ""),
    ("cover", {"name": "Ana", "until": ""}, "until", "say until when"),
    ("cover", {"name": "Ana", "until": "soonish"}, "until", ""),
    ("promote", {"name": "Ana"}, "action", "not a roster change"),
])
def test_a_wrong_field_is_named(action, fields, field, says):
    with pytest.raises(FormError) as raised:
        command_from_form(action, TEAM, fields)
    assert raised.value.field == field and says in raised.value.message
