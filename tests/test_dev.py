"""dev.py: installs that pip can verify, and an audit that never passes for one it could not run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import dev

ROOT = Path(__file__).resolve().parents[1]


def locked() -> dict[str, tuple[str, list[str]]]:
    """requirements.lock as {name: (version, hashes)}."""
    entries: dict[str, tuple[str, list[str]]] = {}
    text = (ROOT / "requirements.lock").read_text().replace("\\\n", " ")
    for line in (line.strip() for line in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        requirement, *options = line.split()
        name, equals, version = requirement.partition("==")
        assert equals, f"not pinned to one version: {line}"
        hashes = [option.removeprefix("--hash=") for option in options if option.startswith("--hash=")]
        entries[canonicalize_name(name.split("[")[0])] = (version, hashes)
    return entries


def test_the_lock_pins_every_package_to_one_version_with_its_hashes():
    entries = locked()
    assert len(entries) > 50
    unhashed = [name for name, (_, hashes) in entries.items()
                if not hashes or not all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes)]
    assert unhashed == []


def test_the_lock_holds_every_dependency_of_the_project_and_its_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *(requirement for extra in
                                          project["optional-dependencies"].values()
                                          for requirement in extra)]
    entries = locked()
    missing = []
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in entries or not requirement.specifier.contains(entries[name][0],
                                                                     prereleases=True):
            missing.append(line)
    assert missing == []


def test_installs_check_every_file_against_the_lock_and_fetch_nothing_else():
    lock, project, check = dev.install_steps("python", "test")
    assert lock[-3:] == ["--require-hashes", "-r", str(dev.LOCK)]
    # The project itself: offline, from what the lock installed; then pip's own consistency check.
    assert {"--no-index", "--isolated", "--no-build-isolation"} <= set(project)
    assert project[-2:] == ["-e", ".[test]"] and check[-1] == "check"


def test_this_environment_satisfies_the_project_and_every_extra_without_an_index(tmp_path):
    # What the project install step does, as a dry run: every dependency, transitively and with
    # the test extras, is already here (installed from the lock), so pip needs no index.
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--isolated", "install",
         "--dry-run", "--no-index", "--no-build-isolation", "--no-input", "-e", ".[test]"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    would = [line for line in done.stdout.splitlines() if line.startswith("Would install")]
    assert [package for line in would for package in line.split()[2:]
            if not package.startswith("cmsbot-")] == []


@pytest.fixture
def unreachable(tmp_path: Path) -> dict[str, str]:
    """An environment in which the vulnerability service cannot be reached: a proxy that
    refuses every connection, and an empty cache (an earlier answer must not stand in)."""
    env = {key: value for key, value in os.environ.items()
           if key.upper() not in {"NO_PROXY", "CMSBOT_AUDIT_REQUIRED"}}
    (tmp_path / "passes.py").write_text("def test_passes():\n    pass\n")
    return {**env, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
            "XDG_CACHE_HOME": str(tmp_path / "cache")}


def last_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()][-2:]


def test_an_audit_that_could_not_reach_its_service_is_reported_not_run_after_the_tests(
        unreachable, tmp_path, capfd):
    code = dev.run_tests([str(tmp_path / "passes.py"), "-p", "no:cacheprovider"], unreachable)
    out = capfd.readouterr().out
    summary = next(i for i, line in enumerate(out.splitlines()) if "1 passed" in line)
    assert all(out.splitlines().index(line) > summary for line in last_lines(out))
    assert "dependency audit NOT RUN" in last_lines(out)[0]
    assert "NOT checked for known vulnerabilities" in last_lines(out)[1]
    assert "passed" not in " ".join(last_lines(out)) and code == 0


def test_an_audit_that_could_not_run_fails_the_build_when_it_is_required(unreachable, tmp_path,
                                                                        capfd):
    code = dev.run_tests([str(tmp_path / "passes.py"), "-p", "no:cacheprovider"],
                         {**unreachable, "CMSBOT_AUDIT_REQUIRED": "1"})
    out = capfd.readouterr().out
    assert code == 1
    assert "NOT RUN" in last_lines(out)[0] and "this fails the build" in last_lines(out)[1]
