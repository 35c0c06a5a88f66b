"""One run of the replies benchmark: a fresh service, its idle baseline, open alerts, then
replies, `/cms` commands and new incidents offered together, with Twilio's status callbacks."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.answers import check_answers, wait_handled
from bench.callbacks import StatusCallbacks
from bench.common import CpuMeter, open_session, wait_until
from bench.goals import UnderLoad
from bench.harness import paced
from bench.ledger import ReplyLedger
from bench.load_sites import LoadTeam, spread
from bench.load_traffic import IncidentPoster, first_sms_seconds
from bench.replies_report import Cpu, Outcome, Plan, Work
from bench.replies_traffic import SlashCommander, SmsReplier
from bench.seed import idle_first_sms, seed_alerts
from bench.stack import fresh_service

DRAIN = 600.0  # seconds for deferred answers and the last alerts after the load: a deadline
IDLE_RATE = 4.0  # the idle baseline's incidents per second
LIVE_FIRST, IDLE_FIRST = 1_000, 80_000  # numbers of the live and the idle incidents


@dataclass(frozen=True)
class Options:
    """What to offer, and to whom (the command line of `python -m bench replies`)."""

    rate: float | None
    capacity: float | None
    capacity_file: Path | None
    factor: list[float] | None
    seconds: float
    slack_rate: float
    incident_rate: float
    idle_incidents: int
    incidents: int
    workers: int
    twilio_connections: int
    web_processes: int
    seed: int


async def offer(options: Options, plan: Plan, work: Path, teams: Sequence[LoadTeam],
                rng: random.Random, run_id: str) -> Outcome:
    """Run the plan on a fresh service in `work`; what was sent and what became of it."""
    async with fresh_service(work, options.workers, options.web_processes,
                             options.twilio_connections) as stack, \
            open_session() as http:
        service, doubles = stack.service, stack.doubles
        idle = await idle_first_sms(stack, http, teams, options.idle_incidents, IDLE_RATE, rng,
                                    run_id, IDLE_FIRST)
        book = await seed_alerts(stack, http, teams, options.incidents, rng, run_id, 0)
        print(f"idle baseline: {len(idle)} incidents; seeded {options.incidents} incidents, "
              f"{sum(map(len, book.numbers.values()))} open alerts; web pid "
              f"{service.processes[0].pid}", flush=True)
        ledger = ReplyLedger(doubles.twilio, service.url, run_id)
        commander = SlashCommander(http, service.url, doubles.slack, run_id)
        live = round(options.incident_rate * options.seconds)
        poster = IncidentPoster(http, service.url, stack.token, run_id, spread(teams, live, rng),
                                first=LIVE_FIRST)
        # This process's own time only: its children are the service's processes.
        meters = (CpuMeter([os.getpid()], family=False), CpuMeter([service.processes[0].pid]),
                  CpuMeter([p.pid for p in service.processes[1:]]))
        before = [meter.seconds() for meter in meters]
        redrawn, texted = len(doubles.slack.updates), len(doubles.twilio.messages)
        async with StatusCallbacks(doubles.twilio) as callbacks:
            start = time.perf_counter() + 0.2
            replies, commands, incidents = await asyncio.gather(
                paced(round(plan.rate * options.seconds), options.seconds, start,
                      SmsReplier(ledger, book, rng)),
                paced(round(options.slack_rate * options.seconds), options.seconds, start,
                      commander),
                paced(live, options.seconds, start, poster))
            used = [meter.seconds() - b for meter, b in zip(meters, before, strict=True)]
            cpu = Cpu(used[0], used[1], used[2], wall=time.perf_counter() - start)
            effects = Work(len(doubles.slack.updates) - redrawn,
                           len(doubles.twilio.messages) - texted)
            drained = await wait_handled(stack.database, [r.sid for r in ledger.sent], DRAIN)
            await wait_until(lambda: first_sms_seconds(poster, incidents, doubles.twilio.messages,
                                                       doubles.twilio.stamps)[1] == 0, DRAIN)
        answers = await check_answers(stack.database, ledger.sent, doubles.twilio)
        first_sms, _ = first_sms_seconds(poster, incidents, doubles.twilio.messages,
                                         doubles.twilio.stamps)
        # The listeners answer after the ack; give the last ones a moment to arrive.
        await wait_until(lambda: len(doubles.slack.responses) >= len(commands), 10.0)
        under_load = UnderLoad(idle, first_sms, live, replies, callbacks.results, commands,
                               answers)
        return Outcome(replies, commands, start, options.seconds, len(doubles.slack.responses),
                       cpu, effects, under_load, drained, service.logs)
