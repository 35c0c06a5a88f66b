"""`cmsbot demo` as a new user runs it, more than once: a fresh start each time, sample
incidents spread over the sample catchments, each message printed once in the city's time."""

import re
import signal
import sqlite3
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import psutil
import pytest
import redis

from bot.queue.embedded_redis import EmbeddedRedis
from tests.processes import clean_env, finish, process_ends, read_until, redis_gone, start

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = re.compile(r"^(\S+ \S+) (SMS to .*|Slack #\S+.*)$", re.MULTILINE)
FED = re.compile(r"^>>> incident \S+ at (.+?): (.+) \((\d+) deliveries\)$", re.MULTILINE)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "v"  # short: the embedded Redis listens on a Unix socket under it


def incidents_in(home: Path) -> int:
    """How many incidents the demo's database holds."""
    with closing(sqlite3.connect(home / "cmsbot.db")) as db:
        return int(db.execute("SELECT count(*) FROM incidents").fetchone()[0])


async def demo(home: Path, *args: str) -> str:
    """Run the demo until it has fed the incidents asked for and printed their messages; stop it."""
    # No responders: their replies would add messages beyond the alerts counted here.
    process = await start("demo", "--interval", "0", "--no-responders", *args,
                          env=clean_env(home))
    seen: list[str] = []

    def delivered(out: str) -> bool:
        fed = FED.findall(out)
        return bool(fed) and "sample incidents sent" in out and (
            len(MESSAGE.findall(out)) >= sum(int(n) for *_, n in fed))

    await read_until(process, delivered, seen)
    process.send_signal(signal.SIGINT)
    assert await finish(process, seen) == 0
    assert redis_gone(home)
    return "".join(seen)


def leave_in_redis(home: Path, key: str) -> None:
    server = EmbeddedRedis(home)
    redis.Redis.from_url(server.ensure_running()).set(key, "x")
    server.release("the test")


def in_redis(home: Path, key: str) -> bool:
    server = EmbeddedRedis(home)
    try:
        return bool(redis.Redis.from_url(server.ensure_running()).exists(key))
    finally:
        server.release("the test")


async def test_each_demo_starts_fresh_keeping_its_secrets_and_says_what_it_cleared(home):
    first = await demo(home, "--incidents", "2")
    assert "cleared" not in first  # nothing to clear on a new machine
    assert incidents_in(home) == 2
    token = (home / "api-token").read_text()
    leave_in_redis(home, "left-over")

    again = await demo(home, "--incidents", "1")
    cleared = [line for line in again.splitlines() if "cleared" in line]
    assert len(cleared) == 1 and "database" in cleared[0] and "Redis" in cleared[0]
    assert "--keep" in cleared[0]
    assert incidents_in(home) == 1
    assert not in_redis(home, "left-over")
    assert (home / "api-token").read_text() == token

    leave_in_redis(home, "kept")
    await demo(home, "--incidents", "1", "--keep")
    assert incidents_in(home) == 2
    assert in_redis(home, "kept")


async def test_the_samples_spread_over_the_catchments_with_one_retaliation_pair(home):
    out = await demo(home)
    fed = FED.findall(out)
    places = [place for place, *_ in fed]
    assert len(places) >= 10 and len(set(places)) == len(places)
    teams = Counter(team for _, teams, _ in fed for team in teams.split(", "))
    assert {"man-up-eny", "bivo-brownsville", "brag-mott-haven", "life-camp-jamaica",
            "no team: to the coordinators"} <= set(teams)
    warnings = {line.strip(" |") for line in out.splitlines() if "POSSIBLE RETALIATION" in line}
    assert len(warnings) == 1, warnings
    (warning,) = warnings
    assert " 0 m" not in warning and " 0 h" not in warning


async def test_the_demo_prints_each_message_once_in_the_citys_time_with_its_zone(home):
    out = await demo(home)
    messages = MESSAGE.findall(out)
    assert len(messages) == sum(int(n) for *_, n in FED.findall(out))
    for when, _ in messages:
        assert re.fullmatch(r"\d\d:\d\d:\d\d E[SD]T", when), when
    # A team's post carries its team; only the coordinators' channel has none.
    assert {who for _, who in messages if who.startswith("Slack") and "[" not in who} \
        <= {"Slack #C0CMSHQ"}
    logged = [line for line in out.splitlines() if " WARNING " in line]
    assert logged
    for line in logged:
        assert re.match(r"\d\d:\d\d:\d\d E[SD]T WARNING ", line), line


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
async def test_dev_py_passes_a_signal_sent_to_it_alone_on_to_its_child(home, stop):
    # dev.py's own runner (what `python3 dev.py demo` ends in), the signal sent to its pid only,
    # as `kill -INT PID` does, not to the process group as a terminal's Ctrl-C does.
    runner = ("import sys, dev; sys.exit(dev.run(sys.executable, '-m', 'bot.cli', 'demo', "
              "'--interval', '0', '--incidents', '1'))")
    process = await start("-c", runner, env=clean_env(home), program=(sys.executable,), cwd=ROOT)
    seen: list[str] = []
    await read_until(process, lambda out: ">>> incident" in out, seen)
    (child,) = psutil.Process(process.pid).children()
    process.send_signal(stop)
    assert await finish(process, seen) == 0
    assert await process_ends(child.pid)
    assert "cmsbot demo: stopped cleanly" in "".join(seen)
