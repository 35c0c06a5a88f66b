"""Ids people type for takedown plans and broadcasts: forgiving in form, strict in content."""

import pytest

from alerts.numbered_ids import id_number


@pytest.mark.parametrize(("typed", "number"), [
    ("TD-7", 7), ("td7", 7), (" 7 ", 7), ("TD--12", 12), ("b-3", None), ("TD-", None),
    ("TD-²", None), ("TD-1234567890", None), ("TD-7x", None), ("TD-٣", None)])
def test_takedown_ids(typed, number):
    assert id_number(typed, "TD") == number


def test_broadcast_ids_take_their_own_prefix():
    assert id_number("B-3", "B") == 3 and id_number("TD-3", "B") is None
