"""`cmsbot replay`: NYPD CSVs through the ingest path, nothing skipped silently."""

import asyncio
import json
import signal
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from bot.cli.commands import build_parser
from bot.store.engine import open_engine
from bot.store.schema import deliveries, incident_links, incident_teams, incidents
from tests.conftest import API_TOKEN
from tests.polling import eventually
from tests.processes import clean_env, finish, free_port, healthz, read_until, start
from tests.shared_data import data_dir

# Hand-written in the shape of the 2006-2020 historic release: BOM, CRLF, m/d/yy dates, TRUE/FALSE.
HISTORIC = (
    "\ufeffINCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,BORO,PRECINCT,JURISDICTION_CODE,LOCATION_DESC,"
    "STATISTICAL_MURDER_FLAG,PERP_AGE_GROUP,PERP_SEX,PERP_RACE,VIC_AGE_GROUP,VIC_SEX,VIC_RACE,"
    "X_COORD_CD,Y_COORD_CD,Latitude,Longitude,Lon_Lat\r\n"
    "1001,7/4/20,23:15:00,BROOKLYN,75,0,,FALSE,,,,25-44,M,BLACK,1011101,186363,40.6712,-73.9002,"
    "POINT (-73.9002 40.6712)\r\n"
    "1001,7/4/20,23:15:00,BROOKLYN,75,0,,TRUE,,,,18-24,M,BLACK,1011101,186363,40.6712,-73.9002,"
    "POINT (-73.9002 40.6712)\r\n"
    "1002,7/5/20,1:40:00,STATEN ISLAND,120,0,,FALSE,,,,25-44,M,WHITE,962000,174000,40.6301,-74.0776,"
    "POINT (-74.0776 40.6301)\r\n"
    "1003,13/45/20,1:40:00,BRONX,40,0,,FALSE,,,,25-44,M,WHITE,,,,,\r\n"
)


def replay(settings, *argv: str) -> int:
    args = build_parser().parse_args(["replay", *argv])
    return args.run(args, settings)


def stored(settings, statement):
    async def query():
        engine = open_engine(settings.sqlalchemy_url, pooled=False)
        async with engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        await engine.dispose()
        return rows
    return asyncio.run(query())


@pytest.fixture
def historic_csv(tmp_path: Path) -> Path:
    path = tmp_path / "historic.csv"
    path.write_bytes(HISTORIC.encode())
    return path


def test_victim_rows_become_one_incident_and_bad_rows_are_reported(settings, historic_csv, capsys):
    assert replay(settings, str(historic_csv)) == 0
    out = capsys.readouterr().out
    assert "4 rows, 2 incidents to replay, 1 rows rejected" in out
    assert "1 routed to teams, 1 to the coordinators" in out
    assert "line 5: OCCUR_DATE" in out
    rows = dict(stored(settings, select(incidents.c.id, incidents.c.victims)))
    assert rows == {"NYPD-1001": 2, "NYPD-1002": 1}
    fatal = dict(stored(settings, select(incidents.c.id, incidents.c.fatal)))
    assert fatal == {"NYPD-1001": True, "NYPD-1002": False}
    teams = stored(settings, select(incident_teams.c.incident_id, incident_teams.c.team_id))
    assert sorted(teams) == [("NYPD-1001", "bivo-brownsville"), ("NYPD-1001", "man-up-eny")]


def test_replayed_history_is_stored_and_routed_but_pages_nobody_and_says_why(
        settings, historic_csv, capsys):
    assert replay(settings, str(historic_csv)) == 0
    out = capsys.readouterr().out
    assert "2 new, 0 already known" in out
    assert ("0 paged, 2 not paged: stale (they occurred more than 12h before they arrived), "
            "0 deliveries") in out
    assert stored(settings, select(deliveries.c.key)) == []
    assert len(stored(settings, select(incident_teams.c.team_id))) == 2


def test_replaying_again_says_already_known_and_nothing_sent(settings, historic_csv, capsys):
    replay(settings, str(historic_csv))
    capsys.readouterr()
    assert replay(settings, str(historic_csv)) == 0
    out = capsys.readouterr().out
    assert "0 new, 2 already known (nothing sent)" in out
    assert "0 paged, 0 not paged" in out and "0 deliveries" in out


def test_page_pages_history_as_if_it_were_live(settings, historic_csv, capsys):
    assert replay(settings, str(historic_csv), "--page") == 0
    assert "2 paged, 0 not paged" in capsys.readouterr().out
    assert stored(settings, select(deliveries.c.key)) != []


def test_a_recent_incident_in_a_replay_pages_as_a_live_one_would(settings, tmp_path, capsys):
    now = datetime.now(UTC).astimezone(ZoneInfo("America/New_York"))
    row = (f"3001,{now:%m/%d/%Y},{now:%H:%M:%S},BROOKLYN,75,0,,FALSE,,,,25-44,M,BLACK,,,"
           "40.6712,-73.9002,\r\n")
    path = tmp_path / "today.csv"
    path.write_bytes((HISTORIC.splitlines()[0] + "\r\n" + row).encode())
    assert replay(settings, str(path)) == 0
    out = capsys.readouterr().out
    assert "1 new, 0 already known" in out and "1 paged, 0 not paged" in out
    assert stored(settings, select(deliveries.c.key)) != []  # whoever is on shift right now


def test_a_csv_whose_every_row_is_rejected_exits_1(settings, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes((HISTORIC.splitlines()[0] + "\r\n" + HISTORIC.splitlines()[4] + "\r\n").encode())
    assert replay(settings, str(path)) == 1
    out = capsys.readouterr().out
    assert "rejected 1" in out and "line 2: OCCUR_DATE" in out


def test_limit_and_dry_run(settings, historic_csv, capsys):
    assert replay(settings, str(historic_csv), "--limit", "1", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "replayed 1 incidents" in out
    assert stored(settings, select(incidents.c.id)) == []


def test_a_missing_file_is_a_clear_error(settings, tmp_path, capsys):
    assert replay(settings, str(tmp_path / "nope.csv")) == 1
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "reason"), [
    (b"INCIDENT_KEY,BORO\r\n1,\xc9LMHURST\r\n", "can't decode byte 0xc9"),  # saved as Latin-1
    (b'INCIDENT_KEY,BORO\r\n1,"' + b"x" * 200_000 + b'"\r\n', "field larger than field limit"),
])
def test_a_file_that_is_no_readable_csv_is_a_clear_error(settings, tmp_path, capsys, content,
                                                         reason):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    assert replay(settings, "--dry-run", str(path)) == 1
    err = capsys.readouterr().err
    assert f"cannot read {path}" in err and reason in err


def one_team_per_precinct(tmp_path: Path, layer: Path) -> Path:
    features = json.loads(layer.read_text())["features"]
    precincts = sorted({int(f["properties"]["precinct"]) for f in features})
    teams = [
        {"id": f"precinct-{n}", "name": f"Team {n}", "geofences": [f"precinct:{n}"], "buffer_m": 50,
         "members": [{"name": f"Worker {n}", "phone": f"+1212555{n:04d}", "role": "interrupter"}]}
        for n in precincts
    ]
    sites = {"geofence_layers": {"precinct": {"path": str(layer), "id_property": "precinct"}},
             "coordinators": [{"name": "Dana Reyes", "phone": "+12125550100"}], "teams": teams}
    path = tmp_path / "precinct-sites.yaml"
    path.write_text(json.dumps(sites))  # JSON is YAML
    return path


@pytest.mark.parametrize("year_file", ["nypd_shooting_ytd_2021_fullyear.csv",
                                       "nypd_shooting_ytd_2022_fullyear.csv"])
def test_real_incidents_alert_the_team_of_their_recorded_precinct(settings, tmp_path, year_file,
                                                                   capsys):
    folder = data_dir()
    sites = one_team_per_precinct(tmp_path, folder / "nyc_police_precincts_77.geojson")
    assert replay(replace(settings, sites_path=sites), str(folder / year_file)) == 0
    out = capsys.readouterr().out
    assert "rejected" not in out
    recorded = dict(stored(settings, select(incidents.c.id, incidents.c.precinct)
                           .where(incidents.c.lat.is_not(None))))
    alerted: dict[str, set[str]] = {}
    for incident_id, team in stored(settings, select(incident_teams.c.incident_id,
                                                     incident_teams.c.team_id)):
        alerted.setdefault(incident_id, set()).add(team)
    hits = sum(f"precinct-{precinct}" in alerted.get(incident_id, set())
               for incident_id, precinct in recorded.items())
    assert len(recorded) > 1200
    assert hits / len(recorded) >= 0.99, f"{hits}/{len(recorded)}"


def test_shootings_close_in_time_and_place_are_linked_however_many_are_in_flight(
        any_settings, tmp_path, capsys):
    # 2001 and 2002 are 300 m and two hours apart; 2003, in between them in the file, is miles
    # away and may be in flight beside either. 2002 must still find 2001 stored when it goes.
    lines = HISTORIC.splitlines()[0] + "\r\n" + "".join(
        f"{key},7/4/20,{time},BROOKLYN,75,0,,FALSE,,,,25-44,M,BLACK,,,{lat},{lon},\r\n"
        for key, time, lat, lon in (("2001", "21:00:00", 40.6712, -73.9002),
                                    ("2003", "22:00:00", 40.8500, -73.8800),
                                    ("2002", "23:00:00", 40.6739, -73.9002)))
    path = tmp_path / "close.csv"
    path.write_bytes(lines.encode())
    assert replay(any_settings, str(path)) == 0
    assert "replayed 3 incidents" in capsys.readouterr().out
    links = stored(any_settings, select(incident_links.c.incident_id, incident_links.c.linked_id))
    assert links == [("NYPD-2002", "NYPD-2001")]


async def test_over_http_history_pages_nobody_unless_page_is_given(settings, tmp_path):
    port = free_port()
    env = clean_env(settings.home, PORT=str(port), REDIS_URL=settings.redis_url or "",
                    CMSBOT_API_TOKEN=API_TOKEN, CMSBOT_SITES=str(settings.sites_path))
    web = await start("serve", env=env)
    said: list[str] = []
    try:
        await read_until(web, lambda out: "SMS go to the local outbox" in out, said)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            await eventually(lambda: healthz(http), "the port to accept")
        history = tmp_path / "history.csv"
        history.write_bytes(HISTORIC.encode())
        again = tmp_path / "again.csv"
        again.write_bytes(HISTORIC.replace("1001,", "4001,").replace("1002,", "4002,").encode())
        url = f"http://127.0.0.1:{port}"
        plain = await start("replay", str(history), "--url", url, env=env)
        plain_out: list[str] = []
        assert await finish(plain, plain_out) == 0
        assert "0 paged, 2 not paged: stale" in "".join(plain_out)
        paged = await start("replay", str(again), "--url", url, "--page", env=env)
        paged_out: list[str] = []
        assert await finish(paged, paged_out) == 0
        assert "2 paged, 0 not paged" in "".join(paged_out)
    finally:
        web.send_signal(signal.SIGTERM)
        await finish(web, said)
