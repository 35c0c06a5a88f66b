"""Row 4: incidents accepted per second (stored, routed, enqueued), and a replay of 2006-2022."""

from __future__ import annotations

import asyncio
import functools
import os
import random
import re
import secrets
import sys
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from bench.alert_sites import write_precinct_sites
from bench.alert_stack import Options, Row, service_stack
from bench.common import CpuMeter, open_session
from bench.harness import REPO, RequestResult, latency_row, max_in_flight, print_table
from bench.load_sites import build_teams, spread
from bench.load_traffic import IncidentPoster
from bench.stack import Stack
from bot.cli.replay import read_csv

RATE_GOAL = 300.0  # accepted per second
REPLAY_GOAL = 90.0  # seconds for the whole file
REPLAY_FILE = "nypd_shooting_incidents_2006_2022_combined.csv"
_REPLAYED = re.compile(r"^replayed (\d+) incidents from (\d+) rows", re.MULTILINE)


def replay_file() -> Path:
    """The 2006-2022 file under $CMSBOT_DATA_DIR; SystemExit naming what is missing."""
    folder = os.environ.get("CMSBOT_DATA_DIR")
    if not folder:
        raise SystemExit("bench alert: set CMSBOT_DATA_DIR to the shared data folder "
                         "(see /work/shared/data/README.md); row 4 replays a file from it")
    path = Path(folder) / REPLAY_FILE
    if not path.is_file():
        raise SystemExit(f"bench alert: {path} does not exist (CMSBOT_DATA_DIR={folder})")
    return path


async def row4(options: Options) -> tuple[list[Row], bool]:
    """Run row 4: the offered-as-fast-as-accepted rate, then the replay; table rows and ok."""
    path = replay_file()  # before anything starts: a missing file fails at once
    count = options.incidents or 3000
    print(f"row 4: {count} incidents, {options.concurrency} in flight, "
          f"{options.web_processes} web + {options.workers} worker(s)", flush=True)
    async with service_stack("alert-ingest", options.workers,
                             web_processes=options.web_processes) as stack:
        # running_service starts the web first; its forked siblings (CMSBOT_WEB_PROCESSES) count.
        # CPU time is a rate that noisy neighbours cannot lower, unlike the wall-clock one.
        web = CpuMeter([stack.service.processes[0].pid])
        cpu = web.seconds()
        results, seconds = await _flood(stack, count, options.concurrency, options.seed)
        cpu = web.seconds() - cpu
    failed = [r for r in results if not r.ok]
    accepted = sum(1 for r in results if r.status == 202)
    rate = accepted / seconds
    print_table(["row 4", "n", "failed", "p50 ms", "p90 ms", "p99 ms", "max ms"], [
        latency_row("POST answered", [r.latency for r in results], len(failed))])
    print(f"  {accepted} accepted in {seconds:.1f} s: {rate:.0f}/s, at most "
          f"{max_in_flight(results)} in flight; the web used {cpu * 1000 / count:.1f} ms of CPU "
          f"per incident (one core: at most {count / cpu:.0f}/s)", flush=True)
    for result in failed[:5]:
        print(f"  failed: incident {result.index}: {result.status} {result.error}")
    rows: list[Row] = [["4", f"incidents accepted/s ({options.concurrency} in flight)",
                        f"{rate:.0f}/s", f">= {RATE_GOAL:.0f}/s",
                        "yes" if rate >= RATE_GOAL and not failed else "NO"]]
    if options.replay_limit != 0:
        rows += await _replay_row(path, options)
    return rows, not failed


async def _flood(stack: Stack, count: int, concurrency: int,
                 seed: int) -> tuple[list[RequestResult], float]:
    """Post `count` incidents with `concurrency` always in flight; results and the wall time."""
    points = spread(build_teams(), count, random.Random(seed))
    todo = iter(range(count))
    async with open_session() as http:
        poster = IncidentPoster(http, stack.service.url, stack.token, secrets.token_hex(3), points)

        async def lane() -> list[RequestResult]:
            # Each lane takes the next incident as soon as its last one is answered.
            return [await poster(i) for i in todo]

        started = time.perf_counter()
        lanes = await asyncio.gather(*(lane() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return sorted((r for done in lanes for r in done), key=lambda r: r.index), seconds


async def _replay_row(path: Path, options: Options) -> list[Row]:
    """`cmsbot replay FILE --url` against a fresh service; its wall time and what it stored."""
    incidents, problems, rows = await asyncio.to_thread(read_csv, path)
    expected = len(incidents) if options.replay_limit is None else min(options.replay_limit,
                                                                       len(incidents))
    print(f"row 4: replay {path.name}: {rows} rows -> {len(incidents)} incidents after grouping "
          f"by INCIDENT_KEY, {len(problems)} rows rejected; replaying {expected}", flush=True)
    sites = functools.partial(write_precinct_sites, data_dir=path.parent)
    async with service_stack("alert-replay", options.workers, sites) as stack:
        seconds, said, code = await _run_replay(stack, path, options)
        stored = await _stored(stack.database)
    print(f"  replay exited {code} after {seconds:.1f} s ({stored / seconds:.0f}/s); it said "
          f"{said!r}; {stored} incidents stored", flush=True)
    whole = options.replay_limit is None
    limit = REPLAY_GOAL if whole else REPLAY_GOAL * expected / 21420  # the file's incidents
    goal = f"<= {limit:.0f} s" if whole else f"<= {limit:.1f} s"
    met = code == 0 and stored == expected and seconds <= limit
    return [
        ["4", f"replay of {expected} incidents, wall time", f"{seconds:.1f} s", goal,
         "yes" if met else "NO"],
        ["4", "incidents stored by the replay", str(stored), str(expected),
         "yes" if stored == expected else "NO"],
    ]


async def _run_replay(stack: Stack, path: Path, options: Options) -> tuple[float, str, int]:
    # --page: every incident paged as in production, as this row has always measured (history
    # is otherwise stale and stored without paging).
    args = [sys.executable, "-m", "bot.cli", "replay", str(path), "--url", stack.service.url,
            "--page"]
    if options.replay_concurrency is not None:
        args += ["--concurrency", str(options.replay_concurrency)]
    if options.replay_limit is not None:
        args += ["--limit", str(options.replay_limit)]
    log = stack.work / "replay.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        # The service's environment: the token it takes, and the doubles instead of Twilio.
        process = await asyncio.create_subprocess_exec(*args, env=stack.env, cwd=REPO,
                                                       stdout=out, stderr=asyncio.subprocess.STDOUT)
        code = await process.wait()
        seconds = time.perf_counter() - started
    text = log.read_text(errors="replace")
    found = _REPLAYED.search(text)
    if code != 0 or found is None:
        print("  replay output (last 20 lines):\n" + "\n".join(text.splitlines()[-20:]))
    return seconds, found.group(0) if found else "nothing", code


async def _stored(database: str) -> int:
    connection = await asyncpg.connect(database)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM incidents"))
    finally:
        await connection.close()

