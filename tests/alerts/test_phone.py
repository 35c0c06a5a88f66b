"""Phone numbers: a number is redacted wherever it is shown; a value that is no number is not."""

import pytest

from alerts.phone import PhoneError, normalise, redact


@pytest.mark.parametrize(("raw", "e164"), [
    ("+12125550175", "+12125550175"),
    ("(212) 555-0175", "+12125550175"),
    ("2125550175", "+12125550175"),
])
def test_a_dialable_number_is_normalised_to_e164(raw, e164):
    assert normalise(raw) == e164


@pytest.mark.parametrize(("raw", "message"), [
    ("555", 'phone "555" is not a valid number'),
    ("12", 'phone "12" is not a valid number'),
    ("call me", 'phone "call me" is not a phone number'),
    ('say "hi"\n', 'phone "say \\"hi\\"\\n" is not a phone number'),
])
def test_a_value_that_is_no_phone_is_named_as_typed(raw, message):
    with pytest.raises(PhoneError) as caught:
        normalise(raw)
    assert str(caught.value) == message


def test_a_very_long_bad_value_is_cut_short_in_the_message():
    with pytest.raises(PhoneError) as caught:
        normalise("x" * 500)
    assert len(str(caught.value)) < 100


def test_a_valid_number_is_only_ever_shown_by_its_last_four_digits():
    assert redact("+12125550175") == "***0175"
    assert redact("12") == "***"
