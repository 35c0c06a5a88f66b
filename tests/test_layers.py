"""The layer contracts are checked, not hoped for: a wrong import fails `lint-imports`, named."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("alerts", "bot", "handlers", "workers")
LINT = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The packages and pyproject.toml, copied where an import can be broken on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "samples"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(where)}  # the copy, not the checkout's packages
    return subprocess.run([str(LINT), "--no-cache"], cwd=where, env=env,  # noqa: S603 (our venv)
                          capture_output=True, text=True, timeout=120, check=False)


def add_import(module: Path, line: str) -> None:
    text = module.read_text()
    module.write_text(text.replace("from __future__ import annotations\n",
                                   f"from __future__ import annotations\n\n{line}\n", 1))


def test_the_tree_as_it_is_keeps_every_contract(copy: Path) -> None:
    done = lint(copy)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "says"), [
    # A service reaching up into the HTTP edge.
    ("bot/services/ingest.py", "from handlers import keys  # noqa", "bot.services.ingest -> handlers.keys"),
    # The domain doing I/O.
    ("alerts/routing.py", "import redis  # noqa", "alerts.routing -> redis"),
    # A job importing a handler: the two edges never import each other.
    ("workers/jobs.py", "from handlers import http  # noqa", "workers.jobs -> handlers.http"),
    # A command reaching past the composition root.
    ("bot/cli/report.py", "from workers import jobs  # noqa", "bot.cli.report -> workers.jobs"),
    # Two modules of one package importing each other.
    ("alerts/sites.py", "from alerts import takedowns  # noqa", ".takedowns -> .sites"),
])
def test_a_wrong_import_breaks_a_contract_and_names_the_modules(copy: Path, module: str,
                                                                line: str, says: str) -> None:
    add_import(copy / module, line)
    done = lint(copy)
    assert done.returncode == 1
    assert "BROKEN" in done.stdout and says in done.stdout, done.stdout[-3000:]
