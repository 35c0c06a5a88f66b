"""`memory`: row 9 of the benchmark table, the RSS of `cmsbot serve` and `cmsbot worker` with
every layer loaded.

The sites file is the geofence benchmark's: every precinct, ZIP and NTA polygon of
$CMSBOT_DATA_DIR plus 20 circles, one team each, so the layers, the zones residents join and the
geofence index are all built. A few incidents go through first, so the request handlers, the
jobs and the Twilio client are imported and the job loop has run.

The worker's children (rq's scheduler, forked once it holds the scheduler lock, and any work
horse) are forks: most of their RSS is pages they share with the worker, so adding RSS counts
those twice. The goal is judged on the process's own RSS and on the PSS of the process with
its children (shared pages split among their sharers, i.e. each page counted once, as a
container's memory limit counts it); the RSS sum is printed as well.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psutil

from bench.common import option_parser, wait_until
from bench.geofence import data_dir, shooting_points, write_sites
from bench.harness import code_version, conclude
from bench.machine import speed_line
from bench.stack import fresh_service

GOAL_MB = 200.0
MB = 1024 * 1024


@dataclass(frozen=True)
class Footprint:
    """One service process's memory: its own RSS, and its children's, in MB."""

    name: str
    rss: float
    children_rss: float
    pss: float  # the process and its children, shared pages divided among their sharers
    children: int

    @property
    def total(self) -> float:
        """The RSS of the process and everything it started, shared pages counted per process."""
        return self.rss + self.children_rss

    @property
    def within(self) -> bool:
        """Whether it meets the goal: its own RSS and its family's PSS."""
        return self.rss <= GOAL_MB and self.pss <= GOAL_MB


def footprint(name: str, pid: int) -> Footprint:
    """Read the memory of `pid` and of its descendants now."""
    process = psutil.Process(pid)
    children = process.children(recursive=True)
    family = [process, *children]
    pss = sum(getattr(member.memory_full_info(), "pss", 0) for member in family)
    return Footprint(name, process.memory_info().rss / MB,
                     sum(child.memory_info().rss for child in children) / MB, pss / MB,
                     len(children))


def parse_options(argv: Sequence[str]) -> argparse.Namespace:
    """The benchmark's command line."""
    parser = option_parser("memory", __doc__)
    parser.add_argument("--incidents", type=int, default=5, metavar="N",
                        help="incidents posted before measuring")
    parser.add_argument("--settle", type=float, default=3.0, metavar="S",
                        help="seconds to sample memory for after the alerts went out")
    parser.add_argument("--seed", type=int, default=20260704)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when both processes are within the goal and alerts went out."""
    return asyncio.run(run(parse_options(argv)))


async def run(options: argparse.Namespace) -> int:
    """Start the service on the all-layers sites, send a few incidents, measure, clean up."""
    folder = data_dir()
    work = Path(tempfile.mkdtemp(prefix="cmsbot-bench-memory-"))
    write_sites(work / "sites.yaml", folder, options.seed)
    points = random.Random(options.seed).sample(shooting_points(folder), options.incidents)
    print(f"memory: 1 web + 1 worker on every precinct, ZIP and NTA layer, code "
          f"{await code_version()}; {speed_line()} (logs in {work})", flush=True)
    async with fresh_service(work, 1) as stack:
        processes, messages = stack.service.processes, stack.doubles.twilio.messages
        idle = [footprint(name, process.pid) for name, process
                in zip(("web", "worker"), processes, strict=True)]
        planned = await _traffic(stack.service.url, stack.token, points)
        # Until the worker has sent every planned alert, at most 20 s.
        await wait_until(lambda: len(messages) >= sum(planned), 20.0, interval=0.2)
        sent = len(messages)
        busy = await _sample(processes, options.settle)
    ok = _report(idle, busy, planned, len(points), sent)
    return conclude(ok, stack.service.logs, work)


async def _traffic(url: str, token: str, points: Sequence[tuple[float, float]]) -> list[int]:
    """Post the incidents and read each one back; the deliveries each accepted one planned."""
    run_id = secrets.token_hex(3)
    headers = {"Authorization": f"Bearer {token}"}
    planned = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for i, (lat, lon) in enumerate(points):
            incident_id = f"MEM-{run_id}-{i:03d}"
            payload = {"id": incident_id, "occurred_at": datetime.now(UTC).isoformat(),
                       "lat": lat, "lon": lon, "location": f"BENCH {i:03d} AVE", "victims": 1}
            async with http.post(f"{url}/api/incidents", json=payload, headers=headers) as answer:
                if answer.status == 202:
                    planned.append(int((await answer.json())["deliveries"]))
            async with http.get(f"{url}/api/incidents/{incident_id}", headers=headers) as answer:
                await answer.read()
    return planned


async def _sample(processes: Sequence[asyncio.subprocess.Process],
                  seconds: float) -> list[Footprint]:
    """The largest footprint of each process over a few samples (children come and go)."""
    worst: dict[str, Footprint] = {}
    deadline = time.monotonic() + seconds
    while True:
        for name, process in zip(("web", "worker"), processes, strict=True):
            now = footprint(name, process.pid)
            if name not in worst or now.pss > worst[name].pss:
                worst[name] = now
        if time.monotonic() >= deadline:
            return list(worst.values())
        await asyncio.sleep(0.25)


def _report(idle: Sequence[Footprint], busy: Sequence[Footprint], planned: Sequence[int],
            posted: int, sent: int) -> bool:
    """Print the table; True when both are within the goal and the traffic went through."""
    print(f"\ntraffic: {len(planned)}/{posted} incidents accepted, {sent}/{sum(planned)} "
          "planned SMS sent by the worker")
    header = ("row", "process", "RSS idle", "RSS after traffic", "children (their RSS)",
              "RSS sum", "PSS with children", "goal", "met?")
    table = [header]
    for before, after in zip(idle, busy, strict=True):
        table.append(("9", after.name, f"{before.rss:.0f} MB", f"{after.rss:.0f} MB",
                      f"{after.children} ({after.children_rss:.0f} MB)", f"{after.total:.0f} MB",
                      f"{after.pss:.0f} MB", f"<= {GOAL_MB:.0f} MB",
                      "yes" if after.within else "NO"))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    print()
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    if sent < sum(planned):
        # Not this benchmark's business (the alert benchmark's), but worth seeing: the memory
        # figure only needs the send path to have run, which one SMS shows.
        print(f"\nnote: only {sent} of {sum(planned)} planned SMS arrived within 20 s")
    within = all(after.within for after in busy)
    return within and len(planned) == posted and sent > 0
