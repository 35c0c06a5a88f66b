"""`cmsbot roster export` and `cmsbot roster import`, run as an operator runs them: the export
of an import is the same roster, a diff shows before it applies, and a bad file changes
nothing and says where it is wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.processes import redis_gone

REPO = Path(__file__).resolve().parents[3]
DEADLINE_S = 60


@pytest.fixture
def cmsbot(tmp_path, any_settings):
    """Run `cmsbot ...` against this test's database (SQLite or PostgreSQL)."""
    # The test's home, which holds its SQLite database; or its PostgreSQL database.
    env = {**os.environ, "CMSBOT_HOME": str(any_settings.home), "PYTHONPATH": str(REPO)}
    if any_settings.database_url:
        env |= {"DATABASE_URL": any_settings.database_url, "REDIS_URL": any_settings.redis_url,
                "CMSBOT_API_TOKEN": "t" * 32, "CMSBOT_SITES": str(any_settings.sites_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
            timeout=DEADLINE_S, env=env, cwd=tmp_path, check=False)
    return run


def test_the_export_of_an_import_is_the_same_roster(cmsbot, tmp_path, any_settings):
    first = cmsbot("roster", "export")
    assert first.returncode == 0, first.stderr
    exported = tmp_path / "roster.yaml"
    exported.write_text(first.stdout, encoding="utf-8")
    unchanged = cmsbot("roster", "import", str(exported))
    assert "already this one" in unchanged.stdout
    data = yaml.safe_load(first.stdout)
    assert data["teams"][0]["members"][0] == {"name": "Ray Ortiz", "phone": "+12125550175",
                                              "role": "interrupter", "slack_user": "U0RAYORT"}
    data["teams"][0]["members"].append({"name": "Ana Diaz", "phone": "+12125550155",
                                        "role": "interrupter"})
    data["teams"][0]["members"][0]["phone"] = "+12125550199"
    exported.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    shown = cmsbot("roster", "import", str(exported))
    assert shown.stdout.splitlines() == [
        "+ man-up-eny/Ana Diaz (interrupter, ***0155)",
        "~ man-up-eny/Ray Ortiz: phone ***0175 -> ***0199",
        "2 change(s); run again with --apply to make them"]
    applied = cmsbot("roster", "import", str(exported), "--apply")
    assert "2 change(s) applied" in applied.stdout
    # The consent texts were queued; an embedded Redis it started for them is stopped again.
    assert redis_gone(any_settings.home)
    again = cmsbot("roster", "export")
    assert yaml.safe_load(again.stdout) == data  # what was imported is what is exported
    assert "already this one" in cmsbot("roster", "import", str(exported)).stdout


def test_a_bad_roster_file_changes_nothing_and_says_where(cmsbot, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("coordinators:\n- {name: Dana Reyes, phone: '+12125550100'}\nteams:\n"
                   "- id: nope\n  members: []\n- id: man-up-eny\n  members:\n"
                   "  - {name: Ray, phone: 'call me', role: interrupter}\n", encoding="utf-8")
    refused = cmsbot("roster", "import", str(bad), "--apply")
    assert refused.returncode == 1
    assert f"{bad}:4: teams[0].id: \"nope\" is not a team of the sites file" in refused.stderr
    assert f"{bad}:8: teams[1].members[0].phone" in refused.stderr
    assert "nothing changed" in refused.stderr
    assert "Ray Ortiz" in cmsbot("roster", "export").stdout
