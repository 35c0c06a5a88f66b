"""`alert`: issue 9 rows 3 and 4, each against a fresh database, Redis db and real processes.

Row 3: incidents posted open-loop at 10/s to one web and one worker; per incident, the time from
sending the POST to the first SMS about it reaching the Twilio API double. Every incident must
be alerted, and nobody texted twice about one incident.

Row 4: ingest throughput. Incidents offered as fast as the web accepts them, a bounded number in
flight, with the worker running; then the whole 2006-2022 NYPD file replayed through
`cmsbot replay FILE --url` ($CMSBOT_DATA_DIR must point at the shared data folder).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bench.alert_ingest import row4
from bench.alert_latency import row3
from bench.alert_stack import Options, Row
from bench.common import option_parser
from bench.harness import code_version, print_table
from bench.machine import speed_line


def parse_options(argv: Sequence[str]) -> Options:
    """The benchmark's command line."""
    parser = option_parser("alert", __doc__)
    parser.add_argument("--only", choices=("3", "4"), help="run one row only")
    parser.add_argument("--incidents", type=int, metavar="N",
                        help="incidents to post (default: 1,000 for row 3, 3,000 for row 4)")
    parser.add_argument("--rate", type=float, default=10.0, metavar="R",
                        help="row 3's posting rate per second (default 10)")
    parser.add_argument("--concurrency", type=int, default=32, metavar="C",
                        help="row 4's requests in flight (default 32)")
    parser.add_argument("--workers", type=int, default=1, metavar="N")
    parser.add_argument("--replay-concurrency", type=int, default=None, metavar="C",
                        help="passed as `cmsbot replay --concurrency C` (default: replay's "
                             "own, 8)")
    parser.add_argument("--replay-limit", type=int, default=None, metavar="N",
                        help="replay only the file's first N incidents (a quick try; 0: none)")
    parser.add_argument("--web-processes", type=int, default=1, metavar="N",
                        help="row 4's CMSBOT_WEB_PROCESSES (row 3 is one web process, as the "
                             "goal says; default 1)")
    parser.add_argument("--seed", type=int, default=20260704, help="where incidents fall")
    return Options(**vars(parser.parse_args(argv)))


def main(argv: list[str]) -> int:
    """Run rows 3 and 4 (or one); 0 when every goal is met and nothing was lost or doubled."""
    return asyncio.run(run(parse_options(argv)))


async def run(options: Options) -> int:
    """Run the rows asked for, then print one table of all their results."""
    print(f"alert: code {await code_version()}; {speed_line()}", flush=True)
    rows: list[Row] = []
    ok = True
    if options.only in (None, "3"):
        found, fine = await row3(options)
        rows += found
        ok &= fine
    if options.only in (None, "4"):
        found, fine = await row4(options)
        rows += found
        ok &= fine
    print()
    print_table(["row", "what", "measured", "goal", "met?"], rows)
    return 0 if ok and all(row[4] == "yes" for row in rows) else 1
