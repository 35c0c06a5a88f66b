"""Finding a resident's zone from what they text: exact names, parts, typos, codes, short lists."""

import json

import pytest

from alerts.zones import Zone, ZoneMatch, find_zone, normalise, zones_from_layer
from tests.shared_data import data_dir

NTA = zones_from_layer("nta", {
    "BK82": "East New York",
    "BK85": "East New York (Pennsylvania Ave)",
    "BK81": "Brownsville",
    "BK09": "Brooklyn Heights-Cobble Hill",
    "BK75": "Bedford-Stuyvesant",
    "BK61": "Crown Heights North",
    "BK63": "Crown Heights South",
    "BX39": "Mott Haven-Port Morris",
    "QN08": "St. Albans",
    "QN51": "Murray Hill",
    "MN20": "Murray Hill-Kips Bay",
    "SI01": "Annadale-Huguenot-Prince's Bay-Eltingville",
})
ZIPS = zones_from_layer("zip", {"11207": "11207", "11212": "11212", "10001": ""},
                        {"10001": ["10001", "10118"]})
ZONES = [*NTA, *ZIPS]


@pytest.mark.parametrize(("text", "expected"), [
    ("East New York", "EAST NEW YORK"),
    ("  east   new\tyork ", "EAST NEW YORK"),
    ("E New York", "EAST NEW YORK"),
    ("E. New York", "EAST NEW YORK"),
    ("W Farms", "WEST FARMS"),
    ("N Corona", "NORTH CORONA"),
    ("S Jamaica", "SOUTH JAMAICA"),
    ("St. Albans", "SAINT ALBANS"),
    ("Mt Hope", "MOUNT HOPE"),
    ("Ft. Greene", "FORT GREENE"),
    ("Washington Hts", "WASHINGTON HEIGHTS"),
    ("Sunset Pk", "SUNSET PARK"),
    ("Hunts Pt", "HUNTS POINT"),
    ("Greenwich Vlg", "GREENWICH VILLAGE"),
    ("Brighton Bch", "BRIGHTON BEACH"),
    ("Downtown Bklyn", "DOWNTOWN BROOKLYN"),
    ("South Bx", "SOUTH BRONX"),
    ("Civic Ctr", "CIVIC CENTER"),
    ("Union Sq", "UNION SQUARE"),
    ("Bed-Stuy", "BEDFORD STUYVESANT"),
    ("bed stuy", "BEDFORD STUYVESANT"),
    ("Bedstuy", "BEDFORD STUYVESANT"),
    ("LES", "LOWER EAST SIDE"),
    ("the UES", "THE UPPER EAST SIDE"),
    ("UWS", "UPPER WEST SIDE"),
    ("SoHo", "SOHO"),
    ("Mott Haven/Port Morris", "MOTT HAVEN PORT MORRIS"),
    ("East New York (Pennsylvania Ave)", "EAST NEW YORK PENNSYLVANIA AVENUE"),
    ("Bath & Beyond", "BATH AND BEYOND"),
    ("Prince's Bay", "PRINCES BAY"),  # not PRINCE S(OUTH) BAY
    ("Prince\u2019s Bay", "PRINCES BAY"),
    ("Mariners' Harbor", "MARINERS HARBOR"),
    ("Nuestra Se\u00f1ora P\u00e9rez", "NUESTRA SENORA PEREZ"),
    ("Co-op City", "CO OP CITY"),
    ("11207", "11207"),
    ("bk82", "BK82"),
    ("", ""),
    (" -!- ", ""),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


def ids(match: ZoneMatch) -> str | list[str]:
    """The one zone's id, or the ids of the choices (empty when nothing was found)."""
    return match.zone.id if match.zone else [zone.id for zone in match.choices]


@pytest.mark.parametrize(("query", "expected"), [
    # whole names, however they are typed
    ("East New York", "nta:BK82"),  # exact beats "East New York (Pennsylvania Ave)"
    ("EAST NEW YORK", "nta:BK82"),
    ("  east  new-york ", "nta:BK82"),
    ("E New York", "nta:BK82"),
    ("Bed-Stuy", "nta:BK75"),
    ("st albans", "nta:QN08"),
    ("Saint Albans", "nta:QN08"),
    # one of the neighbourhoods a hyphenated name joins, or the start of a name
    ("Cobble Hill", "nta:BK09"),
    ("Brooklyn Heights", "nta:BK09"),
    ("mott haven", "nta:BX39"),
    ("Port Morris", "nta:BX39"),
    ("Princes Bay", "nta:SI01"),
    ("east new york pennsylvania", "nta:BK85"),
    ("Bedford Stuy", "nta:BK75"),  # the start of BEDFORD STUYVESANT
    ("Crown Heights", ["nta:BK61", "nta:BK63"]),
    ("EAST", ["nta:BK82", "nta:BK85"]),
    # small typos
    ("EAST NEW YRK", "nta:BK82"),
    ("BROWNSVILE", "nta:BK81"),
    ("Brownsvile", "nta:BK81"),
    ("Bedferd Stuyvesant", "nta:BK75"),
    ("Crown Heights Nrth", "nta:BK61"),
    ("Crown Heigts", ["nta:BK61", "nta:BK63"]),  # as close to both: ask
    # shared words, last
    ("NEW YORK", ["nta:BK82", "nta:BK85"]),
    ("cobble", "nta:BK09"),
    # an exact name that is also part of another name: ask, as a resident can't tell them apart
    ("Murray Hill", ["nta:QN51", "nta:MN20"]),
    ("Kips Bay", "nta:MN20"),
    # ZIP codes, by key or by the other ZIP codes a MODZCTA stands for
    ("11207", "zip:11207"),
    (" 11212 ", "zip:11212"),
    ("10001", "zip:10001"),
    ("10118", "zip:10001"),
    ("11208", []),  # no near misses for ZIP codes: 11208 is another place
    ("112077", []),
    # NTA codes typed directly
    ("BK82", "nta:BK82"),
    ("bk 85", "nta:BK85"),
    # nothing
    ("Narnia", []),
    ("Kensington", []),
    ("", []),
    ("?!", []),
])
def test_find_zone(query, expected):
    assert ids(find_zone(query, ZONES)) == expected


def test_choices_are_at_most_five_and_keep_the_zones_order_on_ties():
    zones = zones_from_layer("nta", {f"XX{n:02}": f"Harbor View {n}" for n in range(1, 9)})
    match = find_zone("harbor view", zones)
    assert match.zone is None
    assert [zone.key for zone in match.choices] == ["XX01", "XX02", "XX03", "XX04", "XX05"]


def test_one_shared_common_word_is_no_answer():
    zones = zones_from_layer("nta", {f"XX{n:02}": f"New Place {n}" for n in range(1, 7)})
    assert find_zone("New Lots", zones) == ZoneMatch(None)  # six guesses sharing only NEW
    assert ids(find_zone("New Lots", zones[:2])) == ["nta:XX01", "nta:XX02"]


def test_no_zones_finds_nothing():
    assert find_zone("East New York", []) == ZoneMatch(None)


def test_zones_from_layer_names_fall_back_to_ids():
    zones = zones_from_layer("zip", {"11207": "", "10001": "10001"}, {"10001": ("10001", "10118")})
    assert zones == [Zone("zip:11207", "zip", "11207", "11207"),
                     Zone("zip:10001", "zip", "10001", "10001", ("10001", "10118"))]


def test_the_real_nta_and_modzcta_names():
    # The shared 2010 NTA layer has no "Bedford-Stuyvesant": it is split into BK75 "Bedford"
    # and BK35 "Stuyvesant Heights". MODZCTA labels list the ZIP codes a MODZCTA stands for.
    folder = data_dir()
    nta = json.loads((folder / "nyc_nta_2010.geojson").read_text(encoding="utf-8"))
    modzcta = json.loads((folder / "nyc_modzcta.geojson").read_text(encoding="utf-8"))
    props = [feature["properties"] for feature in modzcta["features"]]
    zones = [
        *zones_from_layer("nta", {f["properties"]["NTACode"]: f["properties"]["NTAName"]
                                  for f in nta["features"]}),
        *zones_from_layer("zip", {p["modzcta"]: p["modzcta"] for p in props},
                          {p["modzcta"]: [z.strip() for z in p["label"].split(",") if z.strip()]
                           for p in props}),
    ]
    assert ids(find_zone("east new york", zones)) == "nta:BK82"
    assert ids(find_zone("east new york pennsylvania", zones)) == "nta:BK85"
    assert ids(find_zone("brownsville", zones)) == "nta:BK81"
    assert ids(find_zone("mott haven", zones)) == "nta:BX39"
    assert ids(find_zone("11207", zones)) == "zip:11207"
    assert ids(find_zone("10118", zones)) == "zip:10001"  # label "10001, 10118"
    assert ids(find_zone("Crown Heights", zones)) == ["nta:BK61", "nta:BK63"]
    bed_stuy = find_zone("bed stuy", zones)
    assert bed_stuy.zone is None and bed_stuy.choices[0].id == "nta:BK75"
    assert "nta:BK35" in ids(bed_stuy)
