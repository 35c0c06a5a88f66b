"""`capacity`: issue 14 point 4. The highest rate one web process sustains on this machine with
the p99 of its latency at most 1 s, found by stepping the offered rate.

Replies: signed inbound SMS per second; latency from sending to the answer (the webhook's TwiML,
or the SMS a worker sends for a deferred reply). Ingest: incidents per second; latency from
sending the POST to the later of its answer and the first SMS about it. Each step is a fresh
service (1 web + `--workers` workers) offered one rate open-loop for `--seconds`. The rate
starts low and grows by `--growth` until a step misses (p99 over the limit, or a request
failed); then `--bisect` steps halve the gap between the last rate met and the first missed.

The result goes to a JSON file (`--out`, default in the run's temp dir), and the flags to pass
it on are printed: `python -m bench replies --capacity N`, `python -m bench load --capacity N
--ingest-capacity M` (or `--capacity-file FILE` for both). The exit status is 1 when a search
found no rate that met the limit.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.capacity_steps import Step, StepPlan, ingest_step, ms, reply_step
from bench.common import option_parser
from bench.harness import code_version, print_table
from bench.machine import single_core_seconds, speed_line

KINDS = {"replies": ("replies/s", reply_step, 20.0), "ingest": ("incidents/s", ingest_step, 10.0)}
MAX_STEPS = 16  # a bound on a search that never brackets (every step met, or none)
MeasureStep = Callable[[float, StepPlan], Awaitable[Step]]


@dataclass(frozen=True)
class SearchOptions:
    """How to search; the defaults keep a whole search to a few minutes."""

    only: str | None = None
    seconds: float = 10.0
    workers: int = 1
    limit: float = 1.0
    growth: float = 1.5
    bisect: int = 3
    seed: int = 20260714
    out: Path | None = None


@dataclass(frozen=True)
class Found:
    """One process's capacity and the steps that found it."""

    kind: str
    unit: str
    capacity: float  # 0: not even the first rate was met
    workers: int
    steps: list[dict[str, object]]


def parse_options(argv: Sequence[str]) -> SearchOptions:
    """The benchmark's command line."""
    parser = option_parser("capacity", __doc__)
    parser.add_argument("--only", choices=tuple(KINDS), help="search one process only")
    parser.add_argument("--seconds", type=float, default=10.0, help="each step's load (10)")
    parser.add_argument("--workers", type=int, default=1, help="rq workers beside the web (1)")
    parser.add_argument("--limit", type=float, default=1.0, help="the p99 to stay under, s (1)")
    parser.add_argument("--growth", type=float, default=1.5, help="rate factor per step (1.5)")
    parser.add_argument("--bisect", type=int, default=3, help="steps to narrow the gap (3)")
    parser.add_argument("--seed", type=int, default=20260714)
    parser.add_argument("--out", type=Path, help="the JSON file to write")
    return SearchOptions(**vars(parser.parse_args(argv)))


def main(argv: list[str]) -> int:
    """Run the searches asked for; 0 when each found a capacity."""
    return asyncio.run(run(parse_options(argv)))


async def run(options: SearchOptions) -> int:
    """Search, print the table and the flags, write the JSON."""
    print(f"capacity: steps of {options.seconds:g} s, p99 <= {options.limit:g} s, 1 web + "
          f"{options.workers} worker(s), code {await code_version()}; {speed_line()}", flush=True)
    found = await measure(options)
    return 0 if all(f.capacity > 0 for f in found) else 1


async def measure(options: SearchOptions) -> list[Found]:
    """The searches of `options.only` (default both), reported and saved; for other benchmarks
    that were given no capacity, too."""
    found = [await search(kind, options) for kind in KINDS if options.only in (None, kind)]
    print()
    print_table(["process", "capacity", "p99 limit", "web", "workers", "steps"], [
        [f.kind, f"{f.capacity:.0f} {f.unit}" if f.capacity else "below the first step",
         f"{options.limit:g} s", 1, f.workers, len(f.steps)] for f in found])
    out = options.out or Path(tempfile.mkdtemp(prefix="cmsbot-bench-capacity-")) / "capacity.json"
    out.write_text(json.dumps({
        "code": await code_version(), "single_core_s": round(single_core_seconds(), 3),
        "step_seconds": options.seconds, "p99_limit_s": options.limit,
        **{f.kind: asdict(f) for f in found}}, indent=2), encoding="utf-8")
    by_kind = {f.kind: round(f.capacity) for f in found}
    print(f"\nwritten to {out}; pass it on with --capacity-file {out}, or:")
    if "replies" in by_kind:
        print(f"  python -m bench replies --capacity {by_kind['replies']}")
        if "ingest" in by_kind:
            print(f"  python -m bench load --capacity {by_kind['replies']} "
                  f"--ingest-capacity {by_kind['ingest']}")
    return found


async def search(kind: str, options: SearchOptions) -> Found:
    """Grow the rate until a step misses (or shrink it until one is met), then bisect."""
    unit, step, rate = KINDS[kind]
    plan = StepPlan(options.seconds, options.workers, options.seed)
    print(f"\n{kind}: from {rate:g} {unit}, x{options.growth:g} per step", flush=True)
    steps: list[Step] = []
    met = missed = 0.0
    while len(steps) < MAX_STEPS and not (met and missed) and rate >= 1.0:
        if await _step(kind, step, rate, plan, options.limit, steps):
            met, rate = rate, rate * options.growth
        else:
            missed, rate = rate, rate / options.growth
    for _ in range(options.bisect if met and missed else 0):
        middle = (met + missed) / 2
        if await _step(kind, step, middle, plan, options.limit, steps):
            met = middle
        else:
            missed = middle
    if not missed:
        print(f"  (every step was met: {kind} capacity is at least {met:.0f} {unit})")
    _print_steps(kind, steps, options.limit)
    return Found(kind, unit, met, options.workers, [_row(s) for s in steps])


def _print_steps(kind: str, steps: Sequence[Step], limit: float) -> None:
    ordered = sorted(steps, key=lambda s: s.rate)
    names = list(ordered[0].shown) if ordered else []
    print()
    print_table([f"{kind} offered/s", "n", "failed", "p50", "p99", *names, "sent late p99",
                 f"p99 <= {limit:g} s"], [
        [f"{s.rate:.1f}", s.offered, s.failed, ms(s.p(50)), ms(s.p(99)),
         *(s.shown.get(n, "") for n in names), ms(s.lag_p99), "met" if _met(s, limit) else "no"]
        for s in ordered])


def _met(step: Step, limit: float) -> bool:
    return step.failed == 0 and step.p(99) <= limit


async def _step(kind: str, step: MeasureStep, rate: float, plan: StepPlan, limit: float,
                steps: list[Step]) -> bool:
    result = await step(rate, plan)
    steps.append(result)
    ok = _met(result, limit)
    extra = "  ".join(f"{k} {v}" for k, v in result.shown.items())
    print(f"  {kind} {rate:7.1f}/s: p50 {ms(result.p(50))}, p99 {ms(result.p(99))}; {extra}; "
          f"{result.failed} failed; sent late p99 {ms(result.lag_p99)} -> "
          f"{'met' if ok else 'MISSED'}", flush=True)
    return ok


def _row(step: Step) -> dict[str, object]:
    return {"rate": round(step.rate, 1), "offered": step.offered, "failed": step.failed,
            "p50_ms": _json_ms(step.p(50)), "p99_ms": _json_ms(step.p(99)),
            "lag_p99_ms": _json_ms(step.lag_p99), **step.shown}


def _json_ms(seconds: float) -> float | None:
    return None if seconds != seconds or seconds == float("inf") else round(seconds * 1000, 1)
