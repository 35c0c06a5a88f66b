"""`cmsbot sites check FILE`, run as an operator runs it: every file gets an answer.

Each check is a real `python -m bot.cli` process with a deadline: a file the command cannot
finish with (it once spun at 100% CPU on any file without `coordinators:`) fails the test
naming the file, and so does a traceback or an exit code other than 0 (fine) or 1 (problems).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from hypothesis import example, given, settings

from bot.config.settings import SAMPLE_SITES
from tests.bot.config.test_sites_file import DOCUMENTS

DEADLINE_S = 20  # a check takes about a second; this only catches one that never ends
REPO = Path(__file__).resolve().parent.parent


def sites_check(text: str) -> subprocess.CompletedProcess[str]:
    """Run `cmsbot sites check` on a file holding `text`, in a fresh home; fail if it hangs."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sites.yaml"
        path.write_text(text, encoding="utf-8")
        env = {**os.environ, "CMSBOT_HOME": str(Path(folder) / "var"),
               "PYTHONPATH": str(REPO)}
        try:
            return subprocess.run(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-m", "bot.cli", "sites", "check", str(path)],
                capture_output=True, text=True, timeout=DEADLINE_S, env=env, cwd=folder,
                check=False)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"sites check did not end within {DEADLINE_S} s on:\n{text}") \
                from None


def assert_answered(text: str) -> subprocess.CompletedProcess[str]:
    """The check exits 0 or 1, prints no traceback, and each problem is one short line."""
    done = sites_check(text)
    assert done.returncode in (0, 1), (text, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr, (text, done.stderr)
    assert done.stderr == "", (text, done.stderr)
    lines = done.stdout.splitlines()
    assert lines, text
    if done.returncode == 1:
        assert lines[-1].endswith(f"problem(s) in {Path(lines[-1].split(' in ', 1)[1])}"), lines
        assert len(lines) - 1 == int(lines[-1].split()[0]), lines
    return done


def test_an_empty_file_is_answered_at_once():
    done = assert_answered("")
    assert done.returncode == 1 and "empty" in done.stdout


def test_a_teams_only_file_says_coordinators_is_required():
    teams_only = "teams:" + SAMPLE_SITES.read_text(encoding="utf-8").split("\nteams:", 1)[1]
    done = assert_answered(teams_only)
    assert done.returncode == 1
    assert any(": coordinators: " in line and "required" in line
               for line in done.stdout.splitlines()), done.stdout


@settings(max_examples=25, deadline=None)
@given(document=DOCUMENTS)
@example(document=None)
@example(document={"teams": [{"id": "a", "members": [{"phone": "555"}]}]})
def test_any_yaml_document_is_answered_with_an_exit_code_and_no_traceback(document):
    assert_answered(yaml.safe_dump(document, allow_unicode=True))


def test_the_check_accepts_watched_sources_and_names_a_bad_one():
    # The sample's layers, by absolute path: the check runs on a copy in another folder.
    sample = SAMPLE_SITES.read_text(encoding="utf-8").replace("path: ",
                                                            f"path: {SAMPLE_SITES.parent}/")
    good = assert_answered(sample + "\nsources:\n  nypd-patrol: {expect_within: 6h}\n")
    assert good.returncode == 0, good.stdout
    assert "source nypd-patrol: must be heard from within 6h" in good.stdout
    bad = assert_answered(sample + "\nsources:\n  nypd-patrol: {expect_within: soon}\n")
    assert bad.returncode == 1
    assert "sources.nypd-patrol.expect_within" in bad.stdout
