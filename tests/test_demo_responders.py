"""`cmsbot demo` plays responders: some members answer their alerts by signed SMS, as people
would, so the demo's database soon holds acknowledged, on-scene and closed incidents, a NEED,
and alerts nobody answered, whose escalation stays pending; `--no-responders` answers none."""

import re
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.polling import eventually
from tests.processes import clean_env, finish, read_until, start

REPLY = re.compile(r"^reply from (.+?) (\*\*\*\d{4}): (.+?) -> (.+)$", re.MULTILINE)
FED = re.compile(r"^>>> incident \S+ at (.+?): (.+) \((\d+) deliveries\)$", re.MULTILINE)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "v"  # short: the embedded Redis listens on a Unix socket under it


def states(home: Path) -> dict[str, set[str]]:
    """What the demo's database says of its incidents: which are acknowledged (a page acked,
    none on scene), on scene, closed with an outcome, asked support for, never answered with
    an escalation still pending."""
    db_path = home / "cmsbot.db"
    if not db_path.exists():
        return {}
    with closing(sqlite3.connect(db_path)) as db:
        def ids(sql: str) -> set[str]:
            return {row[0] for row in db.execute(sql)}
        try:
            return {
                "acknowledged": ids("SELECT incident_id FROM pages GROUP BY incident_id HAVING "
                                    "count(acked_at) > 0 AND count(on_scene_at) = 0"),
                "on scene": ids("SELECT p.incident_id FROM pages p JOIN incidents i ON "
                                "i.id = p.incident_id WHERE p.on_scene_at IS NOT NULL AND "
                                "i.closed_at IS NULL"),
                "closed": ids("SELECT id FROM incidents WHERE closed_at IS NOT NULL AND "
                              "outcome IS NOT NULL"),
                "need": ids("SELECT incident_id FROM timeline WHERE action LIKE '%need%' OR "
                            "action LIKE '%support%'"),
                "unanswered": ids("SELECT c.incident_id FROM chains c WHERE c.kind = 'alert' "
                                  "AND c.resolved_at IS NULL AND c.next_at IS NOT NULL AND "
                                  "NOT EXISTS (SELECT 1 FROM pages p WHERE p.incident_id = "
                                  "c.incident_id AND p.acked_at IS NOT NULL)"),
                "texts in": ids("SELECT sid FROM inbound_messages"),
            }
        except sqlite3.OperationalError:  # the schema is not there yet
            return {}


async def test_the_demo_answers_some_alerts_as_members_would_and_leaves_one_to_escalate(home):
    process = await start("demo", "--interval", "0.3", "--incidents", "4", env=clean_env(home))
    seen: list[str] = []
    wanted = ("acknowledged", "on scene", "closed", "need", "unanswered")
    try:
        await read_until(process, lambda out: len(REPLY.findall(out)) >= 5, seen,
                         "five replies printed")
        found = await eventually(lambda: states(home), "every state in the database",
                                 until=lambda s: all(s.get(name) for name in wanted),
                                 within=60.0, interval=0.2)
    finally:
        process.send_signal(signal.SIGINT)
        await finish(process, seen)
    out = "".join(seen)
    assert len({found[name].pop() for name in ("acknowledged", "on scene", "closed",
                                               "unanswered")}) == 4
    replies = REPLY.findall(out)
    assert ("Ray Ortiz", "***0175") in {(name, phone) for name, phone, *_ in replies}
    # Replies to different alerts are paced separately, so their order is not fixed.
    assert any(name == "Ray Ortiz" and re.fullmatch(r"\d+A", text) and "acknowledged" in answer
               for name, _, text, answer in replies)
    assert any(re.fullmatch(r"\d+C mediated", text) for _, _, text, _ in replies)
    assert "+1212555" not in out  # phone numbers stay redacted


async def test_the_demo_with_no_responders_answers_nothing(home):
    process = await start("demo", "--interval", "0", "--incidents", "4", "--no-responders",
                          env=clean_env(home))
    seen: list[str] = []

    def delivered(out: str) -> bool:
        fed = FED.findall(out)
        return "sample incidents sent" in out and out.count("SMS to ") >= 1 and len(fed) == 4

    try:
        await read_until(process, delivered, seen)
        await eventually(lambda: states(home), "the database", until=bool, within=30.0)
    finally:
        process.send_signal(signal.SIGINT)
        assert await finish(process, seen) == 0
    assert not REPLY.findall("".join(seen))
    assert not states(home)["texts in"]


def test_the_demo_help_names_the_option():
    out = subprocess.run([sys.executable, "-m", "bot.cli", "demo", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "--no-responders" in out
