"""Resident texts keep the way out that carriers require, however long the rest: the body is
shortened, never the opt-out footer."""

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts import resident_texts as texts
from alerts.gsm import segments

STOP = {"en": "Reply STOP to opt out.", "es": "Responda STOP para cancelar."}
LANGUAGES = st.sampled_from(["en", "es"])
CHARACTERS = st.characters(exclude_categories=("Cs",))
BODIES = st.text(CHARACTERS, max_size=1500) | st.text("abc €[]{}^~|\\\n", min_size=400,
                                                         max_size=1500)


def test_a_long_broadcast_is_shortened_before_its_footer():
    sent = texts.broadcast("10454", "Cooling center open late. " * 40, "en")
    assert segments(sent) <= texts.MAX_SEGMENTS
    assert sent.endswith("... Reply STOP to opt out.")
    assert sent.startswith("CMS Safety Update (10454): Cooling center open late.")


def test_a_notice_with_long_resources_keeps_its_footer():
    resources = [f"Support line {n}: call 311 and ask for the CMS program" for n in range(12)]
    for language in ("en", "es"):
        sent = texts.area_notice("Mott Haven-Port Morris", "this evening", resources, language)
        assert segments(sent) <= texts.MAX_SEGMENTS
        assert sent.endswith("... " + STOP[language])


@settings(max_examples=300, deadline=None)
@given(body=BODIES, area=st.text(CHARACTERS, max_size=60), language=LANGUAGES)
def test_any_broadcast_fits_and_ends_with_the_opt_out(body, area, language):
    sent = texts.broadcast(area, body, language)
    assert segments(sent) <= texts.MAX_SEGMENTS
    assert sent.endswith(STOP[language])


@settings(max_examples=300, deadline=None)
@given(resources=st.lists(st.text(CHARACTERS, max_size=300), max_size=8),
       area=st.text(CHARACTERS, max_size=60), language=LANGUAGES)
def test_any_area_notice_fits_and_ends_with_the_opt_out(resources, area, language):
    sent = texts.area_notice(area, "this evening", resources, language)
    assert segments(sent) <= texts.MAX_SEGMENTS
    assert sent.endswith(STOP[language])


@settings(max_examples=200, deadline=None)
@given(area=st.text(CHARACTERS, max_size=400), language=LANGUAGES)
def test_conversational_replies_keep_their_terms_whatever_the_area_name(area, language):
    terms = "STOP to cancel." if language == "en" else "STOP para cancelar."
    for sent in (texts.confirm_prompt(area, language), texts.subscribed(area, language)):
        assert segments(sent) <= texts.MAX_SEGMENTS
        assert sent.endswith(terms)
