"""A refused value is shown back as typed: quoted if text, on one line, never long."""

import pytest

from alerts.shown import shown


def a_list_inside_itself() -> list[object]:
    inside: list[object] = []
    inside.append(inside)
    return inside


@pytest.mark.parametrize(("value", "text"), [
    ("555", '"555"'),
    ('two\nlines "quoted"', '"two\\nlines \\"quoted\\""'),
    (12, "12"),
    (None, "null"),
    ([1, "a"], '[1, "a"]'),
    ("x" * 50, '"' + "x" * 40 + '..."'),
    pytest.param(10**5000, "int", id="an int too long to print"),
    (a_list_inside_itself(), "list"),
    ({(1, 2): "a tuple key"}, "dict"),
])
def test_a_value_is_shown_quoted_escaped_and_short(value, text):
    assert shown(value) == text
