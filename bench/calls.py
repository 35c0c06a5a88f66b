"""`calls`: issue 17 row 10. 200 live alerts nobody acknowledges, posted within 20 s, so that
their repage calls fall due within the same minute: per call, the time from the moment it was
due (the alert's time plus the team's `repage_after`) to Twilio's create request for it at the
API double. One web process and one worker, real processes, a fresh database and Redis.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from sqlalchemy import select

from alerts.chains import steps_from_json
from bench.alert_stack import service_stack
from bench.common import open_session, option_parser, wait_until
from bench.harness import code_version, latency_row, paced, percentiles, print_table
from bench.load_sites import build_teams, spread
from bench.load_traffic import IncidentPoster
from bench.machine import speed_line
from bot.config.settings import Settings
from bot.store.engine import open_engine
from bot.store.schema import chains, deliveries

P99_GOAL = 2.0  # seconds, due -> create
REPAGE_AFTER = 60  # seconds: the whole posting window falls inside the minute before
CALLS_PER_INCIDENT = 2  # each load team pages its two interrupters


def main(argv: list[str]) -> int:
    """Run row 10; 0 when the goal is met and every call was placed exactly once."""
    parser = option_parser("calls", __doc__)
    parser.add_argument("--incidents", type=int, default=200, metavar="N")
    parser.add_argument("--window", type=float, default=20.0, metavar="S",
                        help="seconds over which the incidents are posted (default 20)")
    parser.add_argument("--workers", type=int, default=1, metavar="N")
    parser.add_argument("--seed", type=int, default=20260704)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.incidents, args.window, args.workers, args.seed))


def _calling(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for team in document["teams"]:
        team["repage_after"] = f"{REPAGE_AFTER}s"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


async def run(count: int, window: float, workers: int, seed: int) -> int:
    """Post, wait for the calls, and report due -> create."""
    print(f"calls: code {await code_version()}; {speed_line()}", flush=True)
    print(f"row 10: {count} unacknowledged alerts over {window:g} s, calls {REPAGE_AFTER} s "
          f"later, 1 web + {workers} worker(s)", flush=True)
    expected = count * CALLS_PER_INCIDENT
    async with service_stack("calls", workers, sites=_calling) as stack:
        twilio = stack.doubles.twilio
        async with open_session() as http:
            poster = IncidentPoster(http, stack.service.url, stack.token, secrets.token_hex(3),
                                    spread(build_teams(), count, random.Random(seed)))
            results = await paced(count, window, time.perf_counter() + 0.1, poster)
        await wait_until(lambda: len(twilio.calls) >= expected, REPAGE_AFTER + window + 120,
                         interval=0.05)
        due = await _due_times(stack.database)
        waits = [stamp - due[_key(call.url)] for call, stamp
                 in zip(twilio.calls, twilio.call_stamps, strict=True) if _key(call.url) in due]
        doubled = len(twilio.calls) - len({(call.to, _key(call.url)) for call in twilio.calls})
    return _report(waits, [r for r in results if not r.ok], len(twilio.calls), expected, doubled)


async def _due_times(database: str) -> dict[str, float]:
    """Each call's delivery key -> when its repage step was due (epoch seconds)."""
    engine = open_engine(Settings(database_url=database).sqlalchemy_url, pooled=False)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(deliveries.c.key, chains.c.started_at, chains.c.steps)
                .join(chains, (chains.c.incident_id == deliveries.c.incident_id)
                      & (chains.c.team_id == deliveries.c.team_id))
                .where(chains.c.kind == "repage", deliveries.c.channel == "voice"))
            return {row.key: (row.started_at + steps_from_json(row.steps)[0].after).timestamp()
                    for row in rows}
    finally:
        await engine.dispose()


def _key(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("key", [""])[0]


def _report(waits: Sequence[float], failed: Sequence[object], placed: int, expected: int,
            doubled: int) -> int:
    print_table(["row 10", "n", "failed", "p50 ms", "p90 ms", "p99 ms", "max ms"],
                [latency_row("call due -> Twilio create", waits, expected - placed)])
    p99 = percentiles(waits, [99])[0]
    complete = not failed and placed == expected and doubled == 0
    met = p99 <= P99_GOAL and complete
    print()
    print_table(["row", "what", "measured", "goal", "met?"], [
        ["10", "call due -> Twilio create p99", f"{p99 * 1000:.0f} ms",
         f"<= {P99_GOAL * 1000:.0f} ms", "yes" if p99 <= P99_GOAL else "NO"],
        ["10", "calls placed once each", f"{placed}/{expected}, {doubled} doubled",
         f"{expected}/{expected}, 0 doubled", "yes" if complete else "NO"]])
    return 0 if met else 1
