"""`python -m bench [--list] [name ...] [options]`: run benchmarks by name (all when none is named).

Options after the names go to every benchmark named, e.g. `python -m bench load --incidents 100`.
When `capacity` runs before `replies` or `load` (as in a run of all of them), they are offered
multiples of the capacity it measured, unless a capacity was given on the command line.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

# name -> (module, one-line description). Modules are imported only when their benchmark runs.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "geofence": ("bench.geofence", "rows 1-2: one lookup and a batch of 100,000 against a loop"),
    "alert": ("bench.alert_path", "rows 3-4: post -> first SMS at 10/s; ingest rate; a replay"),
    "broadcast": ("bench.broadcast", "rows 5-6: 10,000 residents, against one job per message"),
    "capacity": ("bench.capacity", "issue 14: the reply and ingest rates one web process sustains"),
    "replies": ("bench.replies", "rows 7-8: signed SMS replies per second; Slack acks under them"),
    "memory": ("bench.memory", "row 9: web and worker RSS with every layer loaded"),
    "calls": ("bench.calls", "row 10: 200 unacknowledged alerts: call due -> Twilio create"),
    "roster": ("bench.roster", "row 11: a roster change seen by routing in other processes"),
    "load": ("bench.load", "1,000 incidents in a minute plus 5,000 SMS replies, 1 web + 2 workers"),
}

Main = Callable[[list[str]], int]
USE_CAPACITY = ("replies", "load")  # offered multiples of what `capacity` measured


def _usage() -> str:
    names = "\n".join(f"  {name:<8} {about}" for name, (_, about) in BENCHMARKS.items())
    return f"usage: python -m bench [--list] [name ...] [options]\n\nbenchmarks:\n{names}"


def main(argv: Sequence[str]) -> int:
    """Run the named benchmarks in turn; the exit status is the worst of theirs."""
    args = list(argv)
    if "--list" in args:
        print("\n".join(BENCHMARKS))
        return 0
    if args[:1] in (["-h"], ["--help"]):
        print(_usage())
        return 0
    names = []
    while args and not args[0].startswith("-"):
        names.append(args.pop(0))
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"bench: unknown benchmark {', '.join(unknown)}\n\n{_usage()}", file=sys.stderr)
        return 2
    worst = 0
    measured: Path | None = None
    for name in names or list(BENCHMARKS):
        run: Main = importlib.import_module(BENCHMARKS[name][0]).main
        extra: list[str] = []
        if name == "capacity" and "--out" not in args:
            measured = Path(tempfile.mkdtemp(prefix="cmsbot-bench-capacity-")) / "capacity.json"
            extra = ["--out", str(measured)]
        elif name in USE_CAPACITY and measured is not None and measured.exists() \
                and not any(arg.startswith("--capacity") for arg in args):
            extra = ["--capacity-file", str(measured)]
        try:
            worst = max(worst, run([*args, *extra]))
        except KeyboardInterrupt:
            # The benchmark's own cleanup (processes, database, Redis) has run by now.
            print(f"bench: {name} interrupted", file=sys.stderr)
            return 130
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
