"""Commands that only read never make a CMSBOT_HOME; no command leaves an embedded Redis behind."""

from pathlib import Path

import pytest

from tests.bot.cli.test_replay import HISTORIC
from tests.processes import clean_env, finish, redis_gone, start

READERS = {
    "dashboard link": ("dashboard", "link"),
    "report": ("report",),
    "outbox": ("outbox",),
    "replay --url": ("replay", "--url", "http://127.0.0.1:9", "shootings.csv"),
}


@pytest.mark.parametrize("command", READERS.values(), ids=READERS.keys())
async def test_a_reading_command_refuses_a_home_that_does_not_exist(tmp_path, command):
    home = tmp_path / "nowhere"
    # No CMSBOT_API_TOKEN: `replay --url` would take the one the home keeps.
    process = await start(*command, env=clean_env(home), cwd=tmp_path)
    seen: list[str] = []
    assert await finish(process, seen) == 2
    out = "".join(seen)
    assert f"no cmsbot home at {home}" in out
    assert "run it from the folder where the service runs, or set CMSBOT_HOME" in out
    assert not home.exists()


async def test_dashboard_link_leaves_no_embedded_redis_behind(tmp_path: Path):
    home = tmp_path / "v"
    home.mkdir()
    process = await start("dashboard", "link", env=clean_env(home))
    seen: list[str] = []
    assert await finish(process, seen) == 0
    assert "/signin/" in "".join(seen)
    assert redis_gone(home)


async def test_a_local_replay_leaves_no_embedded_redis_behind(tmp_path: Path):
    home = tmp_path / "v"
    csv = tmp_path / "historic.csv"
    csv.write_bytes(HISTORIC.encode())
    process = await start("replay", str(csv), env=clean_env(home))
    seen: list[str] = []
    assert await finish(process, seen) == 0
    assert "replayed 2 incidents" in "".join(seen)
    assert redis_gone(home)
