"""The capacity a goal run is offered multiples of: given on the command line, read from the
JSON `bench capacity` wrote, or measured first."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.capacity import SearchOptions, measure

FACTORS = (1.0, 3.0)  # issue 14: the goals hold at 1x and at 3x the measured capacity


def add_capacity_options(parser: argparse.ArgumentParser, ingest: bool) -> None:
    """--capacity (replies/s), --ingest-capacity when `ingest`, --capacity-file, --factor."""
    parser.add_argument("--capacity", type=float, metavar="R",
                        help="replies/s one web process sustains (`python -m bench capacity` "
                             "prints it); measured first when neither this nor "
                             "--capacity-file is given")
    if ingest:
        parser.add_argument("--ingest-capacity", type=float, metavar="I",
                            help="incidents/s one web process sustains (the same way)")
    parser.add_argument("--capacity-file", type=Path, metavar="FILE",
                        help="the capacity.json `python -m bench capacity` wrote")
    parser.add_argument("--factor", type=float, action="append", metavar="F",
                        help="offer F x the capacity; repeat for several runs (default: 1 and 3)")


def from_file(replies: float | None, ingest: float | None,
              file: Path | None) -> tuple[float | None, float | None]:
    """The capacities given as flags, or else those of the file (when one is named)."""
    if file is None:
        return replies, ingest
    saved = json.loads(file.read_text(encoding="utf-8"))
    return (replies or (saved.get("replies") or {}).get("capacity"),
            ingest or (saved.get("ingest") or {}).get("capacity"))


async def resolve(replies: float | None, ingest: float | None,
                  need_ingest: bool) -> tuple[float, float]:
    """The reply and ingest capacities (ingest 0.0 when not needed); what is missing is
    measured now (a few minutes)."""
    missing = [kind for kind, value in (("replies", replies), ("ingest", ingest))
               if not value and (kind == "replies" or need_ingest)]
    if missing:
        print(f"no {' or '.join(missing)} capacity given: measuring it first "
              "(pass --capacity-file next time)", flush=True)
        only = missing[0] if len(missing) == 1 else None
        for found in await measure(SearchOptions(only=only)):
            if found.capacity <= 0:
                raise SystemExit(f"bench: no {found.kind} rate met the capacity limit")
            if found.kind == "replies":
                replies = found.capacity
            else:
                ingest = found.capacity
    return float(replies or 0.0), float(ingest or 0.0)
