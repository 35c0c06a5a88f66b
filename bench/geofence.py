"""`geofence`: rows 1-2 of the benchmark table, the app's GeofenceIndex against a naive loop.

The index is the one the app builds: a sites file naming every precinct, ZIP (MODZCTA) and
NTA polygon of $CMSBOT_DATA_DIR plus 20 circles around real shootings, one team per fence,
read by `bot.config.sites_file.load_sites`. Queries are real NYPD shooting locations plus a tenth of
random points in the city's bounding box (many of those fall in water or New Jersey: misses).

Row 1 times each `match(lat, lon)` call; row 2 times `match_many` over a batch. The baseline
projects the point the same way and asks `contains` of every fence, unprepared; it is slow, so
it runs on a sample and its rate is extrapolated. The exit status is 1 when the index and the
loop disagree on any sampled point, whatever the timings.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import yaml

from alerts.geofence import GeofenceIndex
from bench.common import option_parser
from bench.machine import speed_line
from bot.config.sites_file import load_sites

# (layer name, file, id property, name property): the current precinct map, as live routing uses.
LAYERS = (
    ("precinct", "nyc_police_precincts_78_current.geojson", "precinct", None),
    ("zip", "nyc_modzcta.geojson", "modzcta", "label"),
    ("nta", "nyc_nta_2010.geojson", "NTACode", "NTAName"),
)
SHOOTINGS = ("nypd_shooting_incidents_2006_2022_combined.csv", "nypd_shooting_ytd_2025_jan_sep.csv")
SOUTH, NORTH, WEST, EAST = 40.4961, 40.9155, -74.2556, -73.7000  # the precinct layer's bounds
CIRCLES = 20
RANDOM_SHARE = 0.1
P99_GOAL_US = 50.0
SPEEDUP_GOAL = 5.0
BATCH_GOAL = 200_000.0

Point = tuple[float, float]


def data_dir() -> Path:
    """$CMSBOT_DATA_DIR, checked; exits with a message saying what is missing."""
    value = os.environ.get("CMSBOT_DATA_DIR")
    if not value:
        raise SystemExit("CMSBOT_DATA_DIR is not set: point it at the shared NYC data folder "
                         "(the one holding nyc_police_precincts_78_current.geojson)")
    folder = Path(value).resolve()
    missing = [name for _, name, _, _ in LAYERS if not (folder / name).is_file()]
    missing += [name for name in SHOOTINGS if not (folder / name).is_file()]
    if missing:
        raise SystemExit(f"CMSBOT_DATA_DIR={value} lacks {', '.join(missing)}")
    return folder


def shooting_points(folder: Path) -> list[Point]:
    """Every (lat, lon) in the NYPD shooting CSVs that has real coordinates."""
    points: list[Point] = []
    for name in SHOOTINGS:
        with (folder / name).open(encoding="utf-8-sig", newline="") as file:
            for row in csv.DictReader(file):
                try:
                    lat, lon = float(row["Latitude"]), float(row["Longitude"])
                except (KeyError, ValueError):  # empty or "(null)": a row with X/Y only
                    continue
                if lat and lon:  # 2025 has rows at (0, 0)
                    points.append((lat, lon))
    return points


def _feature_ids(path: Path, id_property: str) -> list[str]:
    features = json.loads(path.read_text(encoding="utf-8-sig"))["features"]
    return sorted({str(feature["properties"][id_property]) for feature in features})


def sites_document(folder: Path, centres: Sequence[Point], rng: random.Random) -> dict[str, Any]:
    """A sites file with every feature of every layer and a circle at each centre, one team each.

    Layer paths are absolute, so the file can live in a temporary folder and the data stays put.
    """
    layers = {name: {"path": str(folder / file), "id_property": id_property,
                     **({"name_property": label} if label else {})}
              for name, file, id_property, label in LAYERS}
    fences: list[tuple[str, object]] = [
        (f"{name}-{key.lower()}", f"{name}:{key}")
        for name, file, id_property, _ in LAYERS
        for key in _feature_ids(folder / file, id_property)]
    fences += [(f"circle-{n:02d}", {"circle": {"lat": lat, "lon": lon,
                                               "radius_m": rng.choice((250, 500, 750, 1000))}})
               for n, (lat, lon) in enumerate(centres, start=1)]
    return {
        "geofence_layers": layers,
        "coordinators": [{"name": "Bench Coordinator", "phone": "+12125550900"}],
        "teams": [{"id": team, "name": f"Bench {team}", "geofences": [fence],
                   "members": [{"name": f"Interrupter {n}", "phone": f"+1212555{2000 + n:04d}"}]}
                  for n, (team, fence) in enumerate(fences)],
    }


def write_sites(path: Path, folder: Path, seed: int) -> None:
    """Write the all-layers sites file (also used by the memory benchmark)."""
    rng = random.Random(seed)
    centres = rng.sample(shooting_points(folder), CIRCLES)
    path.write_text(yaml.safe_dump(sites_document(folder, centres, rng), sort_keys=False),
                    encoding="utf-8")


def query_points(shootings: Sequence[Point], count: int, rng: random.Random) -> list[Point]:
    """`count` points: real shootings, with RANDOM_SHARE of them uniform over the city's box."""
    return [(rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)) if rng.random() < RANDOM_SHARE
            else rng.choice(shootings) for _ in range(count)]


class NaiveLoop:
    """The baseline: project the point, then `contains` of every fence, one after the other."""

    def __init__(self, index: GeofenceIndex) -> None:
        # Copies through WKB: the index prepared the very geometry objects it shares with the
        # fences, and shapely uses a prepared geometry whenever it has one.
        self.projection = index.projection
        self.fences = [(team, shapely.from_wkb(fence.geometry.wkb))
                       for team, fence, _ in index.entries]

    def match(self, lat: float, lon: float) -> set[str]:
        """The teams whose fence contains the point."""
        point = shapely.Point(*self.projection.xy(lat, lon))
        return {team for team, geometry in self.fences if geometry.contains(point)}


def time_calls(call: Callable[[float, float], object], points: Sequence[Point],
               clock: Callable[[], int] = time.perf_counter_ns) -> np.ndarray:
    """Nanoseconds per call by `clock`, one call per point."""
    spent = np.empty(len(points), dtype=np.int64)
    gc.collect()  # start every series from the same heap, not with a collection pending
    for i, (lat, lon) in enumerate(points):
        started = clock()
        call(lat, lon)
        spent[i] = clock() - started
    return spent


@dataclass(frozen=True)
class Latency:
    """Percentiles of one series of calls, in microseconds."""

    p50: float
    p90: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, nanoseconds: np.ndarray) -> Latency:
        """Summarise a series of per-call times."""
        us = nanoseconds / 1000.0
        p50, p90, p99 = np.percentile(us, [50, 90, 99])
        return cls(float(p50), float(p90), float(p99), float(us.max()), float(us.mean()))


@dataclass(frozen=True)
class Options:
    """The command line."""

    points: int
    batch: int
    sample: int
    seed: int


def parse_options(argv: Sequence[str]) -> Options:
    """The benchmark's command line."""
    parser = option_parser("geofence", __doc__)
    parser.add_argument("--points", type=int, default=20_000, metavar="N",
                        help="timed match() calls (after 1,000 warm-up calls)")
    parser.add_argument("--batch", type=int, default=100_000, metavar="N",
                        help="points in one match_many() batch")
    parser.add_argument("--sample", type=int, default=1_000, metavar="N",
                        help="points the naive loop is timed and checked on")
    parser.add_argument("--seed", type=int, default=20260704)
    return Options(**vars(parser.parse_args(argv)))


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when the index agrees with the loop everywhere it was checked."""
    options = parse_options(argv)
    speed = speed_line()  # first, while nothing else of this run uses the core
    folder = data_dir()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="cmsbot-bench-geofence-") as work:
        sites_path = Path(work) / "sites.yaml"
        write_sites(sites_path, folder, options.seed)
        started = time.perf_counter()
        index = load_sites(sites_path).sites.index
        loaded = time.perf_counter() - started
    loop = NaiveLoop(index)
    shootings = shooting_points(folder)
    points = query_points(shootings, options.points, rng)
    sample = points[:options.sample]
    batch = query_points(shootings, options.batch, rng)
    print(f"geofence: {len(index.entries)} fences ({', '.join(name for name, *_ in LAYERS)}, "
          f"{CIRCLES} circles) loaded in {loaded:.1f} s; {len(shootings)} shooting locations, "
          f"{RANDOM_SHARE:.0%} random points; seed {options.seed}; {speed}", flush=True)

    wrong = check(index, loop, sample, points)
    time_calls(index.match, query_points(shootings, 1000, rng))  # warm-up: caches, branch paths
    fast = Latency.of(time_calls(index.match, points))
    # The same calls in this thread's CPU time: on a busy machine the wall-clock tail is mostly
    # other processes holding the core, which this series leaves out.
    cpu = Latency.of(time_calls(index.match, points, time.thread_time_ns))
    slow = Latency.of(time_calls(loop.match, sample))
    rate = batch_rate(index, batch)
    slow_rate = len(sample) / (slow.mean * len(sample) / 1e6)
    report(options, fast, slow, rate, slow_rate)
    print(f"\n(match() in thread CPU time, not wall clock: p50 {cpu.p50:.1f}  p99 {cpu.p99:.1f}  "
          f"max {cpu.max:.1f} us; a p99 far above this one is the machine, not the index)")
    if wrong:
        print(f"\nMISMATCH on {len(wrong)} point(s); first 10:")
        print("\n".join(wrong[:10]))
        return 1
    return 0


def check(index: GeofenceIndex, loop: NaiveLoop, sample: Sequence[Point],
          points: Sequence[Point]) -> list[str]:
    """Where match, match_many and the naive loop disagree (the loop on the sample only)."""
    wrong = []
    many = index.match_many(points)
    for i, (lat, lon) in enumerate(points):
        one = {hit.team_id for hit in index.match(lat, lon)}
        truth = loop.match(lat, lon) if i < len(sample) else one
        if not one == many[i] == truth:
            wrong.append(f"  ({lat}, {lon}): match {sorted(one)}, match_many {sorted(many[i])}, "
                         f"loop {sorted(truth)}")
    return wrong


def batch_rate(index: GeofenceIndex, batch: Sequence[Point], repeats: int = 3) -> float:
    """Points per second of `match_many`, the best of a few runs (the others are noise)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        index.match_many(batch)
        best = min(best, time.perf_counter() - started)
    return len(batch) / best


def report(options: Options, fast: Latency, slow: Latency, rate: float, slow_rate: float) -> None:
    """The latencies, then the table of rows 1-2 against their goals."""
    print(f"\nmatch() x {options.points:,} (us): p50 {fast.p50:.1f}  p90 {fast.p90:.1f}  "
          f"p99 {fast.p99:.1f}  max {fast.max:.1f}  mean {fast.mean:.1f}")
    print(f"loop    x {options.sample:,} (us): p50 {slow.p50:.1f}  p90 {slow.p90:.1f}  "
          f"p99 {slow.p99:.1f}  max {slow.max:.1f}  mean {slow.mean:.1f}")
    print(f"batch: match_many over {options.batch:,} points (best of 3); the loop's rate is "
          f"extrapolated from its {options.sample:,}-point sample")
    rows = [
        ("1", "lookup p99", f"{fast.p99:.1f} us", f"{slow.p99:.0f} us", "", "<= 50 us",
         fast.p99 <= P99_GOAL_US),
        ("1", "speedup p50", f"{fast.p50:.1f} us", f"{slow.p50:.0f} us",
         f"{slow.p50 / fast.p50:.0f}x", ">= 5x", slow.p50 / fast.p50 >= SPEEDUP_GOAL),
        ("1", "speedup p99", f"{fast.p99:.1f} us", f"{slow.p99:.0f} us",
         f"{slow.p99 / fast.p99:.0f}x", ">= 5x", slow.p99 / fast.p99 >= SPEEDUP_GOAL),
        ("1", "speedup mean", f"{fast.mean:.1f} us", f"{slow.mean:.0f} us",
         f"{slow.mean / fast.mean:.0f}x", ">= 5x", slow.mean / fast.mean >= SPEEDUP_GOAL),
        ("2", "batch points/s", f"{rate:,.0f}/s", f"{slow_rate:,.0f}/s",
         f"{rate / slow_rate:,.0f}x", ">= 200,000/s", rate >= BATCH_GOAL),
    ]
    header = ("row", "what", "measured", "baseline", "ratio", "goal", "met?")
    table = [header] + [(*row[:6], "yes" if row[6] else "NO") for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    print()
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
