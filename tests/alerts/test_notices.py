"""No resident message ever carries a victim, a hospital, a fatality or an address."""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts import resident_texts as texts
from alerts.incident import Incident
from alerts.notices import notice_for

# Points inside the sample neighbourhoods, and one outside every one.
POINTS = [(40.8105, -73.9235), (40.6712, -73.9002), (40.6631, -73.9038), (40.6925, -73.7960),
          (40.6301, -74.0776)]
# Feed text is arbitrary: a unique marker makes any leak findable even through GSM-7 folding.
private_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                       max_size=60).map(lambda s: f"QX{abs(hash(s)) % 10**9}Z {s}")


@settings(max_examples=300, deadline=None)
@given(point=st.sampled_from(POINTS), location=private_text, hospital=private_text,
       borough=private_text, victims=st.integers(0, 100), fatal=st.booleans(),
       hour=st.integers(0, 23))
def test_no_area_notice_carries_anything_about_the_victims_or_the_address(
        sample_sites, point, location, hospital, borough, victims, fatal, hour):
    incident = Incident(id="I-1", occurred_at=datetime(2026, 7, 5, hour, 15, tzinfo=UTC),
                        lat=point[0], lon=point[1], location=location, hospital=hospital,
                        borough=borough, victims=victims, fatal=fatal, verified=True)
    notice = notice_for(incident, sample_sites.sites, ["BRAG hotline 347-555-0150"])
    if notice is None:
        return
    for message in (notice.english, notice.spanish):
        for marker in (location, hospital, borough):
            assert marker.split()[0] not in message
        lowered = message.lower()
        assert "victim" not in lowered and "fatal" not in lowered and "killed" not in lowered
        assert "hospital" not in lowered and "murder" not in lowered and "died" not in lowered
        # The only digits are the area's (a ZIP) and the support line's: no count of victims,
        # no street number.
        digits = "".join(ch for ch in notice.area + "3475550150" if ch.isdigit())
        assert "".join(ch for ch in message if ch.isdigit()) == digits


def test_the_notice_names_the_area_and_the_part_of_the_day_only(sample_sites):
    incident = Incident(id="I-1", occurred_at=datetime(2026, 7, 5, 3, 15, tzinfo=UTC),
                        lat=40.8105, lon=-73.9235, location="E 138 ST & WILLIS AVE",
                        hospital="Lincoln", victims=2, fatal=True, verified=True)
    notice = notice_for(incident, sample_sites.sites, ["BRAG hotline 347-555-0150"])
    assert notice is not None and notice.zone == "nta:BX39"
    assert notice.english == ("CMS Safety Update: A shooting was reported in the Mott Haven-Port "
                              "Morris area this evening. If you need support: BRAG hotline "
                              "347-555-0150. Reply STOP to opt out.")
    assert notice.spanish.startswith("Alerta CMS: Se reporto un tiroteo en la zona de Mott Haven")


def test_resident_texts_take_no_incident_at_all():
    for render in (texts.area_notice, texts.broadcast, texts.confirm_prompt):
        annotations = render.__annotations__
        assert not any("Incident" in str(kind) for kind in annotations.values())
