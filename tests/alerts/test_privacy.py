"""What residents may read: no victim details, no hospital, no exact address, and the writer is
told which words were refused and why. Ordinary safety wording passes untouched."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alerts.privacy import Finding, private_details, refusal

ATTACK = ("Shooting at 455 E 140 ST & BROOK AVE: 2 victims, 1 FATAL (Jose R., 17), taken to "
          "Lincoln Hospital")
HOSPITALS = ("Brookdale", "Kings County")


def refused(text: str, hospitals: tuple[str, ...] = HOSPITALS) -> dict[str, str]:
    """Each refused span of `text` and the reason it was refused."""
    return {finding.words: finding.why for finding in private_details(text, hospitals)}


def test_the_attack_is_refused_word_by_word():
    assert refused(ATTACK) == {
        "455 E 140 ST & BROOK AVE": "an exact address",
        "2 victims": "victim details",
        "1 FATAL": "victim details",
        "Jose R.": "a name with an initial",
        "17": "a victim's age",
        "Lincoln Hospital": "a hospital",
    }


def test_the_refusal_names_the_words_and_why_in_the_order_written():
    message = refusal(private_details(ATTACK, HOSPITALS))
    assert message == ('"455 E 140 ST & BROOK AVE": an exact address; "2 victims", "1 FATAL": '
                       'victim details; "Jose R.": a name with an initial; "17": a victim\'s age; '
                       '"Lincoln Hospital": a hospital')


@pytest.mark.parametrize(("text", "words"), [
    ("Taken to Brookdale, stable", "Brookdale"),            # a hospital of the sites file
    ("seen at kings county earlier", "kings county"),       # in any case
    ("two people hospitalized", "hospitalized"),
    ("trasladado al hospital", "hospital"),
])
def test_hospitals_are_refused(text, words):
    assert refused(text) == {words: "a hospital"}


@pytest.mark.parametrize(("text", "words"), [
    ("Police activity at 455 E 140 ST tonight", "455 E 140 ST"),
    ("shots fired near 1730 pitkin ave", "1730 pitkin ave"),
    ("Crowd outside 45-12 Queens Blvd", "45-12 Queens Blvd"),
    ("Outside 750 Broadway", "750 Broadway"),
    ("Outside 12 Avenue D", "12 Avenue D"),
    ("Incident at PITKIN AVE & ROCKAWAY AVE", "PITKIN AVE & ROCKAWAY AVE"),
    ("Incident at E 138 ST & WILLIS AVE", "E 138 ST & WILLIS AVE"),
    ("Shooting at Brook and Willis Ave", "Brook and Willis Ave"),
    ("Shooting at brook and willis aves", "brook and willis aves"),
    ("Police at Brook Ave at E 140 St", "Brook Ave at E 140 St"),
    ("Avoid E 140th & Brook", "E 140th & Brook"),
])
def test_exact_addresses_are_refused(text, words):
    assert refused(text) == {words: "an exact address"}


@pytest.mark.parametrize(("text", "words"), [
    ("One victim was shot", "victim"),
    ("a man was shot on the block", "was shot"),
    ("the victim died at the scene", "victim"),
    ("3 injured, 1 killed", "3 injured"),
    ("in critical condition", "critical condition"),
    ("dos heridos y un muerto", "heridos"),
])
def test_victim_details_are_refused(text, words):
    assert refused(text).get(words) == "victim details"


@pytest.mark.parametrize(("text", "words", "why"), [
    ("a 17-year-old boy", "17-year-old", "a victim's age"),
    ("a man, 34 years old", "34 years old", "a victim's age"),
    ("teen aged 15", "aged 15", "a victim's age"),
    ("un joven de 17 años", "17 años", "a victim's age"),
    ("Jose Rivera, 17, of the Bronx", "17", "a victim's age"),
    ("(M, 17)", "17", "a victim's age"),
    ("JOSE R. was there", "JOSE R.", "a name with an initial"),
    ("friends of J. Rodriguez gathered", "J. Rodriguez", "a name with an initial"),
])
def test_ages_and_names_with_an_initial_are_refused(text, words, why):
    assert refused(text) == {words: why}


def test_words_are_checked_as_residents_read_them_after_gsm7_folding():
    # Full-width letters and a ligature become plain ones on the phone: so they are checked.
    full_width_fatal = "".join(chr(ord(ch) + 0xFEE0) for ch in "FATAL")
    assert refused(f"{full_width_fatal} \ufb01re") == {"FATAL": "victim details"}


@pytest.mark.parametrize("text", [
    "Avoid the area near St Mary's Park",
    "Call 311",
    "a community meeting at 6 pm",
    "Community meeting tonight 7pm at PS 156",
    "Cooling center open until 9pm at PS 156 on Livonia Ave",
    "BRAG hotline 347-555-0150",
    "NYC 988 for support",
    "A shooting was reported in the Mott Haven-Port Morris area this evening.",
    "Support is available in {area} this week. Reply HELP for resources.",
    "Stay safe: avoid St Mary's Park and Brook Ave after dark",
    "Expect 2 road closures on Brook Ave",
    "Food & drinks at the community center, 24/7 hotline",
    "Steps: (1) call 311, (2) stay inside",
    "Plan B. Meet at Building C.",
    "Reunion esta noche a las 7 pm. Llame al 311.",
    "Youth programs for ages 14 to 24",
    "Police presence on E. 140th St tonight",
])
def test_ordinary_safety_wording_is_accepted(text):
    assert private_details(text, HOSPITALS) == ()


WORDS = st.sampled_from(["455", "E", "140", "ST", "&", "and", "BROOK", "AVE", "at", "victims",
                         "Jose", "R.", ",", "17", "(", ")", "-", "year", "old", "Hospital",
                         "Brookdale", "St", "Mary's", ".", "y", "calle", "Avenue", "D"])


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400) | st.lists(WORDS, max_size=80).map(" ".join))
@example(text="1 " + "a " * 50_000)
@example(text="Jose R" * 20_000)
@example(text="& " * 50_000)
@example(text="a'" * 50_000)
def test_any_text_is_checked_fast_and_findings_point_into_what_residents_read(text):
    # The long examples finish at once because the check walks words, never backtracks.
    findings = private_details(text, HOSPITALS)
    for finding in findings:
        assert isinstance(finding, Finding) and finding.words.strip()
    # Each finding is words of the text (as GSM-7 renders it), in the order written.
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert all(re.search(r"\w", f.words) for f in findings)
