#!/usr/bin/env python3
"""Set up a local virtualenv and run cmsbot or its checks; needs nothing but Python 3.11+.

    python3 dev.py demo            install, then run `cmsbot demo`
    python3 dev.py test [ARGS]     install with test extras, then ruff, the import-layer
                                   contracts, mypy, the dependency audit and pytest [ARGS]
    python3 dev.py bench [ARGS]    install with test extras, then the benchmark suite
    python3 dev.py cmsbot ARGS     install, then run any cmsbot command
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
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
    target = f".[{extras}]" if extras else "."
    print(f"dev.py: installing {target} into .venv (first run takes a minute) ...", flush=True)
    subprocess.run(  # noqa: S603 (our own venv's pip)
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(LOCK), "-e", target],
        cwd=ROOT, check=True,
    )
    stamp.write_text(digest)


def run(*argv: str) -> int:
    """Run one command inside the project's virtualenv and return its exit status."""
    child = subprocess.Popen(list(argv), cwd=ROOT)  # noqa: S603 (commands from this file)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reaches the child too: let it shut down cleanly, and report how it ended.
            continue


def audit() -> int:
    """Check the locked dependencies against known vulnerabilities (pip-audit).

    Fails on any known vulnerability. When the vulnerability service cannot be reached, says
    so plainly instead of passing as if the dependencies had been checked.
    """
    done = subprocess.run(  # noqa: S603 (our own venv's pip-audit on our own lock file)
        [str(BIN / "pip-audit"), "-r", str(LOCK), "--progress-spinner", "off", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        print(f"dev.py: the dependency audit did not run: {done.stderr.strip()[-300:]}")
        unreachable = "Connection" in done.stderr or "resolve" in done.stderr
        return 0 if unreachable and not os.environ.get("CMSBOT_AUDIT_REQUIRED") else 1
    found = [(d["name"], d["version"], v["id"]) for d in report["dependencies"]
             for v in d.get("vulns", [])]
    skipped = [d["name"] for d in report["dependencies"] if d.get("skip_reason")]
    for name, version, vuln in found:
        print(f"dev.py: {name} {version} has a known vulnerability: {vuln}")
    if skipped:
        print(f"dev.py: WARNING: {len(skipped)} of {len(report['dependencies'])} locked "
              "dependencies could NOT be audited: the vulnerability service did not answer "
              "for them from this machine")
        if os.environ.get("CMSBOT_AUDIT_REQUIRED"):
            print("dev.py: CMSBOT_AUDIT_REQUIRED is set: an audit that could not run fails")
            return 1
    else:
        print(f"dev.py: dependency audit: {len(report['dependencies'])} packages, "
              f"{len(found)} known vulnerabilities")
    return 1 if found else 0


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
        if audit() != 0:
            return 1
        return run(python, "-m", "pytest", *rest)
    if command == "bench":
        ensure_env("test")
        return run(str(BIN / "python"), "-m", "bench", *rest)
    print(f"dev.py: unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
