#!/usr/bin/env python3
"""Set up a local virtualenv and run cmsbot or its checks; needs nothing but Python 3.11+.

    python3 dev.py demo            install, then run `cmsbot demo`
    python3 dev.py test [ARGS]     install with test extras, then ruff, the import-layer
                                   contracts, mypy, the dependency audit and pytest [ARGS]
                                   (the audit's verdict printed last, after pytest's)
    python3 dev.py bench [ARGS]    install with test extras, then the benchmark suite
    python3 dev.py cmsbot ARGS     install, then run any cmsbot command
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import venv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"


def ensure_env(extras: str) -> None:
    """Create .venv and install the project, skipping pip when nothing changed since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file must run on older Pythons to say so)
        sys.exit(f"cmsbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"dev.py: creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()
                            + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"dev.py: installing {LOCK.name} and .[{extras}] into .venv (first run takes a minute) ...",
          flush=True)
    for step in install_steps(str(BIN / "python"), extras):
        subprocess.run(step, cwd=ROOT, check=True)  # noqa: S603 (our own venv's pip)
    stamp.write_text(digest)


def install_steps(python: str, extras: str) -> list[list[str]]:
    """The pip commands that install the project: every dependency from the lock, each file
    checked against the lock's hashes; then the project itself, with nothing from an index.

    pip cannot hash an editable install of the project (it is no single file), so the project
    comes second, offline (--no-index, --isolated: no find-links from any pip config either):
    were the lock to miss a dependency of the project or of an extra, that step fails instead
    of fetching something unverified. `pip check` then catches a conflict between versions.
    """
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    target = f".[{extras}]" if extras else "."
    return [
        [*pip, "install", "--quiet", "--require-hashes", "-r", str(LOCK)],
        [*pip, "--isolated", "install", "--quiet", "--no-index", "--no-build-isolation",
         "-e", target],
        [*pip, "check"],
    ]


def run(*argv: str, env: Mapping[str, str] | None = None) -> int:
    """Run one command inside the project's virtualenv and return its exit status.

    SIGINT and SIGTERM sent to this process are passed on to the command, so `kill -INT` of
    dev.py stops the command as Ctrl-C does. The command runs in a process group of its own,
    given the terminal while it runs (as a shell does with a job): a Ctrl-C reaches it once,
    from the terminal, and never twice (once from the terminal, once passed on by us).
    """
    pending: list[int] = []
    child: subprocess.Popen[bytes] | None = None

    def pass_on(signum: int, _frame: object) -> None:
        if child is None:
            pending.append(signum)  # before the command started: it gets it once it has
        else:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, pass_on) for signum in (signal.SIGINT, signal.SIGTERM)}
    terminal = _foreground_terminal()
    try:
        child = subprocess.Popen(list(argv), cwd=ROOT,  # noqa: S603 (commands from this file)
                                 env=dict(env) if env is not None else None, process_group=0)
        if terminal is not None:
            os.tcsetpgrp(terminal, child.pid)
        for signum in pending:
            child.send_signal(signum)
        return child.wait()
    finally:
        if terminal is not None:
            _take_back(terminal)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _foreground_terminal() -> int | None:
    """Our terminal's descriptor when we run in its foreground, else None (pipes, CI, `&`)."""
    try:
        if sys.stdin.isatty() and os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp():
            return sys.stdin.fileno()
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _take_back(terminal: int) -> None:
    # From the background, tcsetpgrp sends us SIGTTOU, which would stop us: ignore it meanwhile.
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(terminal, os.getpgrp())
    except OSError:
        pass  # the terminal went away with the command
    finally:
        signal.signal(signal.SIGTTOU, previous)


@dataclass(frozen=True)
class Audit:
    """What the dependency audit found, or why it could not look."""

    report: tuple[str, ...]  # the lines to print, after the tests, so a reader sees them last
    failed: bool  # whether the build fails on it


def audit(environ: Mapping[str, str] = os.environ) -> Audit:
    """Check the locked dependencies against known vulnerabilities (pip-audit).

    Fails on any known vulnerability. An audit that could not reach the vulnerability service
    is reported as NOT RUN, never as a pass; with CMSBOT_AUDIT_REQUIRED set it fails.
    """
    required = bool(environ.get("CMSBOT_AUDIT_REQUIRED"))
    # --disable-pip: the lock pins every package with its hashes, so pip-audit checks exactly
    # those versions without building an environment of its own from an index.
    done = subprocess.run(  # noqa: S603 (our own venv's pip-audit on our own lock file)
        [str(BIN / "pip-audit"), "-r", str(LOCK), "--disable-pip", "--progress-spinner", "off",
         "-f", "json"], cwd=ROOT, capture_output=True, text=True, env=dict(environ))
    try:
        report = json.loads(done.stdout)
    except ValueError:
        why = done.stderr.strip().splitlines()[-1:] or [f"pip-audit exited {done.returncode}"]
        unreachable = "Connection" in done.stderr or "resolve" in done.stderr
        return _not_run(f"it could not {'reach' if unreachable else 'run'}: {why[0][-200:]}",
                        failed=required or not unreachable, required=required)
    packages = report["dependencies"]
    found = [f"dev.py: {d['name']} {d['version']} has a known vulnerability: {v['id']}"
             for d in packages for v in d.get("vulns", [])]
    skipped = [d["name"] for d in packages if d.get("skip_reason")]
    if found:
        return Audit((*found, f"dev.py: dependency audit FAILED: {len(found)} known "
                      f"vulnerabilities in {len(packages)} locked packages"), failed=True)
    if skipped:
        return _not_run(f"{len(skipped)} of {len(packages)} locked packages could not be "
                        "looked up: the vulnerability service did not answer for them",
                        failed=required, required=required)
    return Audit((f"dev.py: dependency audit: {len(packages)} locked packages, no known "
                  "vulnerabilities",), failed=False)


def _not_run(why: str, *, failed: bool, required: bool) -> Audit:
    consequence = ("CMSBOT_AUDIT_REQUIRED is set: this fails the build" if required else
                   "set CMSBOT_AUDIT_REQUIRED=1 where the service is reachable to make this fail")
    return Audit((f"dev.py: dependency audit NOT RUN: {why}",
                  f"dev.py: the dependencies were NOT checked for known vulnerabilities; {consequence}"),
                 failed=failed)


def run_tests(pytest_args: list[str], environ: Mapping[str, str] = os.environ) -> int:
    """The dependency audit, then pytest; the audit's verdict is printed after pytest's summary,
    the last thing a reader sees, and fails the run when it must."""
    audited = audit(environ)
    code = run(str(BIN / "python"), "-m", "pytest", *pytest_args, env=environ)
    print("", *audited.report, sep="\n", flush=True)
    return code or (1 if audited.failed else 0)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        ensure_env("")
        return run(str(BIN / "cmsbot"), "demo", *rest)
    if command == "cmsbot":
        ensure_env("")
        return run(str(BIN / "cmsbot"), *rest)
    if command == "test":
        ensure_env("test")
        python = str(BIN / "python")
        # ruff, the layer contracts of pyproject.toml (a wrong import names both modules), mypy.
        for step in ([python, "-m", "ruff", "check", "."], [str(BIN / "lint-imports")],
                     [python, "-m", "mypy"]):
            if run(*step) != 0:
                return 1
        return run_tests(rest)
    if command == "bench":
        ensure_env("test")
        return run(str(BIN / "python"), "-m", "bench", *rest)
    print(f"dev.py: unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
