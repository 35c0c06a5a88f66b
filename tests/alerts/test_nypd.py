"""NYPD shooting CSV rows -> incidents: the quirks of each real export, and the real files."""

from __future__ import annotations

import csv
import io

import pytest

from alerts.incident import parse_incident
from alerts.nypd import NypdIncident, RowProblem, detect_columns, group_rows
from tests.shared_data import data_dir

# Headers and rows below are copied from the files in /work/shared/data (see its README),
# keeping each export's look: BOM, CRLF, 2-digit years, "(null)", "1,006,621", 0/0 points.
HISTORIC = (
    "\ufeffINCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,BORO,PRECINCT,JURISDICTION_CODE,LOCATION_DESC,"
    "STATISTICAL_MURDER_FLAG,PERP_AGE_GROUP,PERP_SEX,PERP_RACE,VIC_AGE_GROUP,VIC_SEX,VIC_RACE,"
    "X_COORD_CD,Y_COORD_CD,Latitude,Longitude,Lon_Lat\r\n"
)
YTD_2021 = HISTORIC.replace("Lon_Lat", "New Georeferenced Column").replace("\r\n", "\n")
YTD_2025 = (
    "INCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,BORO,LOC_OF_OCCUR_DESC,PRECINCT,JURISDICTION_CODE,"
    "LOC_CLASSFCTN_DESC,LOCATION_DESC,STATISTICAL_MURDER_FLAG,PERP_AGE_GROUP,PERP_SEX,"
    "PERP_RACE,VIC_AGE_GROUP,VIC_SEX,VIC_RACE,X_COORD_CD,Y_COORD_CD,Latitude,Longitude,"
    "New Georeferenced Column\n"
)
YTD_2022 = YTD_2025.replace(
    "Column\n",
    "Column,Borough Boundaries,City Council Districts,Police Precincts,Zip Codes,"
    "Community Districts\n",
)
COMBINED = YTD_2025.replace("New Georeferenced Column", "SOURCE_FILE")
MINIMAL = (
    "INCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,PRECINCT,STATISTICAL_MURDER_FLAG,Latitude,Longitude\n"
)


def read(text: str) -> list[tuple[int, dict[str, str]]]:
    """A CSV snippet as group_rows gets it: DictReader rows numbered from data line 1."""
    return list(enumerate(csv.DictReader(io.StringIO(text, newline="")), start=1))


def one(text: str) -> NypdIncident:
    incidents, problems = group_rows(read(text))
    assert problems == []
    assert len(incidents) == 1
    return incidents[0]


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        (HISTORIC, "historic"),
        (YTD_2021, "ytd"),
        (YTD_2022, "ytd"),
        (YTD_2025, "ytd"),
        (COMBINED, "combined"),
        (MINIMAL, "ytd"),
        (" INCIDENT_KEY , occur_date,Occur_Time,PRECINCT,STATISTICAL_MURDER_FLAG,"
         "LATITUDE,longitude,lon_lat", "historic"),
    ],
)
def test_detect_columns(header: str, layout: str) -> None:
    assert detect_columns(next(csv.reader([header]))) == layout


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("INCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,PRECINCT,Latitude,Longitude",
         "no STATISTICAL_MURDER_FLAG column"),
        ("id,occurred_at,lat,lon",
         "no INCIDENT_KEY, OCCUR_DATE, OCCUR_TIME, PRECINCT, STATISTICAL_MURDER_FLAG, "
         "Latitude, Longitude column"),
        ("", "no INCIDENT_KEY"),
    ],
)
def test_detect_columns_names_what_is_missing(header: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detect_columns(header.split(",") if header else [])


# One real row per export -> the ingest payload minus lat/lon, then lat, lon and their source.
ROWS = [
    (  # Historic: BOM, CRLF, m/d/yy, unpadded time, TRUE, no LOCATION_DESC
        HISTORIC + "24050482,8/27/06,5:35:00,BRONX,52,0,,TRUE,,,,25-44,F,BLACK HISPANIC,"
        "1017541.563,255918.875,40.86905819,-73.87963173,"
        "POINT (-73.87963173099996 40.86905819000003)\r\n",
        {"id": "NYPD-24050482", "occurred_at": "2006-08-27T05:35:00-04:00", "precinct": 52,
         "borough": "BRONX", "fatal": True, "victims": 1},
        40.86905819, -73.87963173, "latlon", "PATROL",
    ),
    (  # YTD 2021: MM/DD/YYYY, false, X/Y with thousands separators
        YTD_2021 + '237439377,12/06/2021,17:25:00,QUEENS,113,0,PVT HOUSE,false,25-44,M,BLACK,'
        '25-44,M,BLACK,"1,046,176","193,100",40.69648322200004,-73.77667979199998,'
        "POINT (-73.77667979199998 40.69648322200004)\n",
        {"id": "NYPD-237439377", "occurred_at": "2021-12-06T17:25:00-05:00", "precinct": 113,
         "borough": "QUEENS", "fatal": False, "victims": 1, "location": "PVT HOUSE"},
        40.69648322200004, -73.77667979199998, "latlon", "PATROL",
    ),
    (  # YTD 2022: Y, LOCATION_DESC (null) so LOC_OF_OCCUR_DESC, computed-region columns
        YTD_2022 + "243566884,04/12/2022,22:08:00,BRONX,OUTSIDE,49,0,STREET,(null),Y,18-24,M,"
        "BLACK HISPANIC,18-24,F,BLACK,1020669,255027,40.86658962,-73.86832754,"
        "POINT (-73.86832754 40.86658962),5,22,32,11605,59\n",
        {"id": "NYPD-243566884", "occurred_at": "2022-04-12T22:08:00-04:00", "precinct": 49,
         "borough": "BRONX", "fatal": True, "victims": 1, "location": "OUTSIDE"},
        40.86658962, -73.86832754, "latlon", "PATROL",
    ),
    (  # YTD 2022: no Latitude/Longitude at all, so the point comes from X/Y
        YTD_2022 + "251253188,09/18/2022,03:40:00,MANHATTAN,OUTSIDE,34,0,STREET,(null),N,"
        "(null),(null),(null),18-24,M,BLACK HISPANIC,1002173,249401,,,,,,,,\n",
        {"id": "NYPD-251253188", "occurred_at": "2022-09-18T03:40:00-04:00", "precinct": 34,
         "borough": "MANHATTAN", "fatal": False, "victims": 1, "location": "OUTSIDE"},
        40.851205, -73.935215, "stateplane", "PATROL",
    ),
    (  # YTD 2025: Latitude/Longitude 0, so the point comes from X/Y
        YTD_2025 + "308408221,06/20/2025,19:06:00,QUEENS,OUTSIDE,104,0,STREET,(null),N,25-44,M,"
        "WHITE HISPANIC,25-44,M,BLACK,1013701,195936,0,0,POINT (0 0)\n",
        {"id": "NYPD-308408221", "occurred_at": "2025-06-20T19:06:00-04:00", "precinct": 104,
         "borough": "QUEENS", "fatal": False, "victims": 1, "location": "OUTSIDE"},
        40.704427, -73.893779, "stateplane", "PATROL",
    ),
    (  # YTD 2025: Housing Bureau jurisdiction, a premises description
        YTD_2025 + "306062049,05/08/2025,00:25:00,BRONX,OUTSIDE,47,2,HOUSING,"
        "MULTI DWELL - PUBLIC HOUS,N,(null),(null),(null),25-44,M,WHITE HISPANIC,1030360,"
        "261043,40.883065,-73.833249,POINT (-73.833249 40.883065)\n",
        {"id": "NYPD-306062049", "occurred_at": "2025-05-08T00:25:00-04:00", "precinct": 47,
         "borough": "BRONX", "fatal": False, "victims": 1,
         "location": "MULTI DWELL - PUBLIC HOUS"},
        40.883065, -73.833249, "latlon", "HOUSING",
    ),
    (  # Combined: ISO date, padded time, LOCATION_DESC NONE means no location
        COMBINED + "9953245,2006-01-01,02:00:00,BRONX,,48,0,,NONE,false,18-24,M,BLACK,<18,M,"
        "BLACK,1013404.563,251800.75,40.85776982,-73.89460746,"
        "nypd_shooting_historic_2006_2020_release2021.csv\n",
        {"id": "NYPD-9953245", "occurred_at": "2006-01-01T02:00:00-05:00", "precinct": 48,
         "borough": "BRONX", "fatal": False, "victims": 1},
        40.85776982, -73.89460746, "latlon", "PATROL",
    ),
    (  # Neither point nor X/Y: still an incident, routed by its precinct
        MINIMAL + "1234567,2021-07-04,23:15:00,75,false,(null),(null)\n",
        {"id": "NYPD-1234567", "occurred_at": "2021-07-04T23:15:00-04:00", "precinct": 75,
         "fatal": False, "victims": 1},
        None, None, "none", None,
    ),
]


@pytest.mark.parametrize(
    ("text", "payload", "lat", "lon", "coordinates_from", "jurisdiction"), ROWS
)
def test_each_export_becomes_an_ingest_payload(
    text: str,
    payload: dict[str, object],
    lat: float | None,
    lon: float | None,
    coordinates_from: str,
    jurisdiction: str | None,
) -> None:
    incident = one(text)
    got = incident.to_json()
    assert {k: v for k, v in got.items() if k not in {"lat", "lon"}} == {
        **payload, "source": "nypd-csv", "verified": True,
    }
    assert (got.get("lat"), got.get("lon")) == (
        pytest.approx(lat, abs=1e-6), pytest.approx(lon, abs=1e-6),
    )
    assert incident.coordinates_from == coordinates_from
    assert incident.jurisdiction == jurisdiction
    assert incident.lines == (1,)
    # What the CSV replay posts must pass the ingest API's own validation.
    accepted = parse_incident(got)
    assert accepted.occurred_at == incident.occurred_at
    assert accepted.id == payload["id"]


@pytest.mark.parametrize(
    ("date", "time", "occurred_at"),
    [
        ("8/27/06", "5:35:00", "2006-08-27T05:35:00-04:00"),  # 2-digit year: 20yy up to 69
        ("12/31/69", "23:59:59", "2069-12-31T23:59:59-05:00"),
        ("1/1/70", "0:00:00", "1970-01-01T00:00:00-05:00"),  # ...and 19yy from 70
        ("06/16/2021", "21:34", "2021-06-16T21:34:00-04:00"),  # HH:MM without seconds
        ("2021-06-16", "09:05:07", "2021-06-16T09:05:07-04:00"),
        ("2021-3-7", "9:05", "2021-03-07T09:05:00-05:00"),
        # Spring forward: 02:30 does not exist in New York; it is read as 02:30 EST.
        ("2021-03-14", "02:30:00", "2021-03-14T03:30:00-04:00"),
        # Fall back: 01:33 happens twice; the first (EDT) is taken. A real 2021 row.
        ("2021-11-07", "01:33:00", "2021-11-07T01:33:00-04:00"),
        ("2021-11-07", "02:00:00", "2021-11-07T02:00:00-05:00"),
    ],
)
def test_dates_and_times(date: str, time: str, occurred_at: str) -> None:
    incident = one(MINIMAL + f"1,{date},{time},75,N,40.67,-73.90\n")
    assert incident.occurred_at.isoformat() == occurred_at
    assert str(incident.occurred_at.tzinfo) == "America/New_York"


@pytest.mark.parametrize(
    ("flag", "fatal"),
    [("TRUE", True), ("true", True), ("Y", True), (" y ", True),
     ("FALSE", False), ("false", False), ("N", False), ("", False), ("(null)", False)],
)
def test_murder_flag(flag: str, fatal: bool) -> None:
    assert one(MINIMAL + f"1,2022-01-01,01:00:00,75,{flag},40.67,-73.90\n").fatal is fatal


VALID = {"INCIDENT_KEY": "229643180", "OCCUR_DATE": "06/16/2021", "OCCUR_TIME": "21:34:00",
         "PRECINCT": "73", "STATISTICAL_MURDER_FLAG": "false", "X_COORD_CD": "1,006,621",
         "Y_COORD_CD": "185,426", "Latitude": "40.675608", "Longitude": "-73.919351"}


@pytest.mark.parametrize(
    ("field", "value", "key", "reason"),
    [
        ("OCCUR_DATE", "13/45/2021", "229643180", "OCCUR_DATE: '13/45/2021' is not a date"),
        ("OCCUR_DATE", "2021-02-30", "229643180", "OCCUR_DATE: '2021-02-30' is not a date"),
        ("OCCUR_DATE", "June 16", "229643180", "OCCUR_DATE: 'June 16' is not a date"),
        ("OCCUR_DATE", "(null)", "229643180", "OCCUR_DATE: missing"),
        ("OCCUR_TIME", "25:00:00", "229643180", "OCCUR_TIME: '25:00:00' is not a time"),
        ("OCCUR_TIME", "9pm", "229643180", "OCCUR_TIME: '9pm' is not a time"),
        ("OCCUR_TIME", "", "229643180", "OCCUR_TIME: missing"),
        ("INCIDENT_KEY", "", None, "INCIDENT_KEY: missing"),
        ("INCIDENT_KEY", "(null)", None, "INCIDENT_KEY: missing"),
        ("INCIDENT_KEY", "12 34", "12 34", "INCIDENT_KEY: '12 34' is not a usable key"),
        ("PRECINCT", "75th", "229643180", "PRECINCT: '75th' is not a precinct number"),
        ("PRECINCT", "0", "229643180", "PRECINCT: '0' is not a precinct number"),
        ("STATISTICAL_MURDER_FLAG", "maybe", "229643180",
         "STATISTICAL_MURDER_FLAG: 'maybe' is not TRUE/FALSE/Y/N"),
        ("Latitude", "north", "229643180", "Latitude: 'north' is not a number"),
        ("Latitude", "nan", "229643180", "Latitude: 'nan' is not a number"),
        ("Latitude", "95.5", "229643180",
         "Latitude/Longitude: (95.5, -73.919351) is not a point on Earth"),
        ("X_COORD_CD", "1.006.621", "229643180", "X_COORD_CD: '1.006.621' is not a number"),
    ],
)
def test_bad_values_become_problems_naming_the_field(
    field: str, value: str, key: str | None, reason: str
) -> None:
    row = {**VALID, field: value}
    if field == "X_COORD_CD":
        row["Latitude"] = ""  # X/Y are read only when the point is missing
    assert group_rows([(7, row)]) == ([], [RowProblem(7, key, reason)])


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"id": "NYPD-1", "occurred_at": "2021-06-16T21:34:00-04:00"},
         "unknown column set: no INCIDENT_KEY or OCCUR_DATE column"),
        ({"INCIDENT_KEY": "1", "DATE": "2021-06-16"},
         "unknown column set: no OCCUR_DATE column"),
        ({**VALID, "Latitude": "0", "Longitude": "0", "X_COORD_CD": "", "Y_COORD_CD": "",
          "PRECINCT": "(null)"},
         "Latitude/Longitude, X_COORD_CD/Y_COORD_CD and PRECINCT all missing"),
    ],
)
def test_rows_that_cannot_be_incidents(row: dict[str, str], reason: str) -> None:
    incidents, problems = group_rows([(3, row)])
    assert incidents == []
    assert [(p.line, p.reason) for p in problems] == [(3, reason)]


@pytest.mark.parametrize(
    ("text", "incidents", "problems"),
    [
        (  # One row per victim, far apart in the Historic file: one incident, fatal if any.
            HISTORIC
            + "165724972,6/9/17,23:18:00,QUEENS,113,0,,FALSE,,,,25-44,M,BLACK,1045670.063,"
            "193206.9219,40.69678022,-73.77850335,POINT (-73.778503 40.696780)\r\n"
            + "24050482,8/27/06,5:35:00,BRONX,52,0,,FALSE,,,,25-44,F,BLACK HISPANIC,"
            "1017541.563,255918.875,40.86905819,-73.87963173,POINT (-73.879631 40.869058)\r\n"
            + "165724972,6/9/17,23:18:00,QUEENS,113,0,,TRUE,,,,25-44,M,BLACK,1045670.063,"
            "193206.9219,40.69678022,-73.77850335,POINT (-73.778503 40.696780)\r\n",
            [("165724972", 2, True, (1, 3)), ("24050482", 1, False, (2,))],
            [],
        ),
        (  # A victim row that disagrees is reported, not folded in; bad rows don't stop others.
            MINIMAL
            + "251276894,2022-09-18,13:35:00,110,N,40.747153,-73.869859\n"
            + "251276894,2022-09-19,13:35:00,110,Y,40.747153,-73.869859\n"
            + "251276894,2022-09-18,13:35:00,111,Y,40.747153,-73.869859\n"
            + "251276894,2022-09-18,14:35:00,110,Y,40.747153,-73.869859\n"
            + ",2022-09-18,13:35:00,110,N,40.747153,-73.869859\n"
            + "251276894,2022-09-18,13:35:00,110,N,40.747153,-73.869859\n",
            [("251276894", 2, False, (1, 6))],
            [(2, "OCCUR_DATE: 2022-09-19 disagrees with 2022-09-18 on line 1, "
                 "the first row of incident 251276894"),
             (3, "PRECINCT: 111 disagrees with 110 on line 1, "
                 "the first row of incident 251276894"),
             (4, "OCCUR_TIME: 14:35:00 disagrees with 13:35:00 on line 1, "
                 "the first row of incident 251276894"),
             (5, "INCIDENT_KEY: missing")],
        ),
        (  # The first victim row's missing point does not hide a later row's good one.
            MINIMAL
            + "251690448,2022-10-02,03:00:00,28,N,,\n"
            + "251690448,2022-10-02,03:00:00,28,Y,40.808409,-73.952479\n",
            [("251690448", 2, True, (1, 2))],
            [],
        ),
    ],
)
def test_grouping_victim_rows(
    text: str,
    incidents: list[tuple[str, int, bool, tuple[int, ...]]],
    problems: list[tuple[int, str]],
) -> None:
    got_incidents, got_problems = group_rows(read(text))
    assert [(i.key, i.victims, i.fatal, i.lines) for i in got_incidents] == incidents
    assert [(p.line, p.reason) for p in got_problems] == problems
    assert all(i.coordinates_from == "latlon" for i in got_incidents)


NYC_LAT = (40.49, 40.92)
NYC_LON = (-74.26, -73.69)


# Counted once with a throwaway csv-module script that grouped rows by INCIDENT_KEY on its own.
# The README's 10 (2022) and 11 (2025) rows without a usable point are victim rows: they
# belong to 9 and 6 incidents. Fatal incidents have at least one flagged victim (the combined
# file's 5,266 flagged victim rows belong to 4,099 incidents).
@pytest.mark.parametrize(
    ("name", "layout", "rows", "incidents", "fatal", "stateplane", "stateplane_rows"),
    [
        ("nypd_shooting_historic_2006_2020_release2021.csv", "historic", 23585, 18564, 3533,
         0, 0),
        ("nypd_shooting_ytd_2021_fullyear.csv", "ytd", 2011, 1562, 319, 0, 0),
        ("nypd_shooting_ytd_2022_fullyear.csv", "ytd", 1716, 1294, 247, 9, 10),
        ("nypd_shooting_ytd_2025_jan_sep.csv", "ytd", 769, 553, 116, 6, 11),
        ("nypd_shooting_incidents_2006_2022_combined.csv", "combined", 27312, 21420, 4099,
         9, 10),
    ],
)
def test_real_nypd_files(
    name: str, layout: str, rows: int, incidents: int, fatal: int, stateplane: int,
    stateplane_rows: int,
) -> None:
    # utf-8, not utf-8-sig: the BOM on the first header is group_rows' business.
    with (data_dir() / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert detect_columns(reader.fieldnames or []) == layout
        got, problems = group_rows(enumerate(reader, start=1))

    assert problems == []
    lines = sorted(line for incident in got for line in incident.lines)
    assert lines == list(range(1, rows + 1))  # every line in exactly one incident
    assert len(got) == incidents
    assert sum(incident.victims for incident in got) == rows
    assert sum(incident.fatal for incident in got) == fatal
    derived = [incident for incident in got if incident.coordinates_from == "stateplane"]
    assert (len(derived), sum(i.victims for i in derived)) == (stateplane, stateplane_rows)
    for incident in derived:
        assert incident.lat is not None and incident.lon is not None
        assert NYC_LAT[0] <= incident.lat <= NYC_LAT[1], incident.key
        assert NYC_LON[0] <= incident.lon <= NYC_LON[1], incident.key
    assert all(incident.coordinates_from != "none" for incident in got)
    for incident in got:
        parse_incident(incident.to_json())  # every payload passes ingest validation
