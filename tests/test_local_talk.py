"""`cmsbot sms` and `cmsbot slack`: the local service answered as Twilio and Slack would reach it.

The app runs in the outbox default (no Twilio, no Slack, no public URL: a fresh machine), and
the commands run as real processes with the same CMSBOT_HOME, signing with the local secrets
the service generated there.
"""

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import LOCAL_SLACK_FILE, LOCAL_TWILIO_FILES, Settings
from bot.main.app import create_app
from tests.conftest import API_TOKEN
from tests.processes import clean_env, finish, free_port, read_until, start

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
LUIS = "+13475550140"
BRONX = {"id": "NYPD-1", "lat": 40.8105, "lon": -73.9235, "precinct": 40,
         "location": "E 138 ST & WILLIS AVE", "victims": 1}


@pytest.fixture
def local_settings(settings: Settings) -> Settings:
    """The outbox default, as on a fresh machine: nothing says where the public reaches us."""
    return replace(settings, public_url=None)


@pytest.fixture
async def local_client(aiohttp_client, local_settings, port, clock, sample_sites) -> Any:
    return await aiohttp_client(create_app(local_settings, sites=sample_sites, clock=clock),
                                server_kwargs={"port": port})


@pytest.fixture
def alert(local_client, local_settings, run_worker, clock):
    """A shooting in the Bronx, routed and sent (to the outbox) by a real worker."""
    async def post() -> None:
        incident = {**BRONX, "occurred_at": clock().isoformat()}
        response = await local_client.post("/api/incidents", json=incident, headers=AUTH)
        assert response.status == 202, await response.text()
        await run_worker(local_settings, clock)
    return post


async def cmsbot(home: Path, *args: str, **env: str) -> tuple[int, str]:
    """Run `cmsbot ARGS` as a process with CMSBOT_HOME `home`: its exit status and output."""
    process = await start(*args, env=clean_env(home, **env))
    seen: list[str] = []
    status = await finish(process, seen)
    return status, "".join(seen)


async def timeline(client: Any) -> list[tuple[str, str]]:
    shown = await (await client.get("/api/incidents/NYPD-1", headers=AUTH)).json()
    return [(event["actor"], event["action"]) for event in shown["timeline"]]


async def test_cmsbot_sms_acknowledges_an_alert_as_the_members_text_would_and_prints_the_answer(
        local_client, local_settings, alert, port):
    await alert()
    status, out = await cmsbot(local_settings.home, "sms", LUIS, "1A",
                               "--url", f"http://127.0.0.1:{port}")
    assert status == 0, out
    assert out.startswith("CMS: #1 acknowledged")
    assert ("Luis Feliz", "acknowledged") in await timeline(local_client)


async def test_cmsbot_slack_types_a_cms_command_as_a_coordinator_and_prints_the_answer(
        local_settings, alert, port):
    await alert()
    status, out = await cmsbot(local_settings.home, "slack", "/cms incidents",
                               "--url", f"http://127.0.0.1:{port}")
    assert status == 0, out
    assert "Open incidents* (1)" in out and "`NYPD-1`" in out and "brag-mott-haven" in out
    assert "E 138 ST & WILLIS AVE" in out  # as Slack shows it, not as it is escaped


async def test_cmsbot_slack_as_a_member_by_name_is_that_member(local_client, local_settings, port):
    status, out = await cmsbot(local_settings.home, "slack", "/cms broadcast 10451 calm tonight",
                               "--as", "luis feliz", "--url", f"http://127.0.0.1:{port}")
    assert status == 0, out
    assert "Only coordinators can use `/cms broadcast`." in out


async def test_cmsbot_slack_as_someone_off_the_roster_is_refused_naming_them(local_settings):
    status, out = await cmsbot(local_settings.home, "slack", "/cms incidents",
                               "--as", "Nobody Known", "--url", f"http://127.0.0.1:{free_port()}")
    assert status == 2
    assert "Nobody Known" in out and "U0COORD1" in out


@pytest.mark.parametrize("command", [("sms", LUIS, "1A"), ("slack", "/cms incidents")],
                         ids=["sms", "slack"])
async def test_with_no_service_running_the_commands_say_how_to_start_one(tmp_path, command):
    url = f"http://127.0.0.1:{free_port()}"
    status, out = await cmsbot(tmp_path / "v", *command, "--url", url)
    assert status == 1
    assert (f"no cmsbot service answers at {url}; start it with `cmsbot demo` or `cmsbot serve`"
            in out)
    assert "Traceback" not in out and not (tmp_path / "v").exists()


@pytest.mark.parametrize("command", [("sms", LUIS, "1A"), ("slack", "/cms incidents")],
                         ids=["sms", "slack"])
async def test_with_real_credentials_a_request_signed_with_the_local_secrets_is_refused(
        client, live_settings, port, command):
    home = live_settings.home
    # The service with real credentials made no local secrets...
    assert not {*LOCAL_TWILIO_FILES, LOCAL_SLACK_FILE} & {path.name for path in home.iterdir()}
    # ...and those an earlier run in the outbox default left behind sign nothing it takes.
    live_settings.local_twilio()
    live_settings.local_slack_secret()
    status, out = await cmsbot(home, *command, "--url", f"http://127.0.0.1:{port}")
    assert status == 1
    assert "refused" in out and "real" in out and "Traceback" not in out


@pytest.mark.parametrize("command", [("sms", LUIS, "1A"), ("slack", "/cms incidents")],
                         ids=["sms", "slack"])
async def test_with_no_local_secrets_under_the_home_the_commands_say_so_and_make_none(
        client, live_settings, port, command):
    status, out = await cmsbot(live_settings.home, *command, "--url", f"http://127.0.0.1:{port}")
    assert status == 1 and "holds no" in out and "another CMSBOT_HOME" in out
    assert not {*LOCAL_TWILIO_FILES, LOCAL_SLACK_FILE} & {
        path.name for path in live_settings.home.iterdir()}


async def test_a_cmsbot_serve_started_on_a_fresh_machine_is_answered_where_it_listens(tmp_path):
    home, port = tmp_path / "v", str(free_port())
    serve = await start("serve", env=clean_env(home, PORT=port))
    out: list[str] = []
    try:
        await read_until(serve, lambda said: f"listening on port {port}" in said, out)
        status, said = await cmsbot(home, "sms", "+19175550123", "HELP", PORT=port)
        # Texted to the staff number by someone off the roster: nothing about any incident.
        assert status == 0 and "alerts to registered staff only" in said, said
        status, said = await cmsbot(home, "slack", "/cms help", PORT=port)
        assert status == 0 and "/cms incidents" in said, said
    finally:
        serve.terminate()
        assert await finish(serve, out) == 0, "".join(out)
    assert "Traceback" not in "".join(out)
