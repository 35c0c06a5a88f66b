"""How people are reached: a member's contact list and a step's via."""

import pytest

from alerts.contacts import ContactError, parse_contact


@pytest.mark.parametrize(("raw", "methods"), [
    (["sms", "voice"], ("sms", "voice")),
    (["sms"], ("sms",)),
    ("sms", ("sms",)),
    (["SMS", " Voice "], ("sms", "voice")),
    (["voice", "sms", "voice"], ("voice", "sms")),  # each once, in the order given
])
def test_a_contact_list_is_the_methods_in_order(raw, methods):
    assert parse_contact(raw) == methods


@pytest.mark.parametrize(("raw", "message"), [
    ([], "must be a list of methods"),
    (None, "must be a list of methods"),
    ({"sms": True}, "must be a list of methods"),
    (["pager"], "unknown method 'pager'"),
    (["voice"], "must include sms"),
])
def test_a_contact_list_that_cannot_be_used_says_why(raw, message):
    with pytest.raises(ContactError, match=message):
        parse_contact(raw)


def test_a_step_may_call_only():
    assert parse_contact(["voice"], need_sms=False) == ("voice",)
