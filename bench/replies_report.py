"""What the replies benchmark prints: latencies, totals, CPU use and the goals table."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import schedule_lags
from bench.goals import Row, UnderLoad, report_goals
from bench.harness import RequestResult, latency_row, percentiles, print_table

REPLY_RATE_GOAL = 500.0  # row 7: replies answered per second
REPLY_P99_GOAL = 0.100  # row 7: seconds
SLACK_LIMIT = 3.0  # Slack's limit for the HTTP ack of a slash command, seconds
SLACK_P99_GOAL = 0.300  # row 8: seconds
# Offered at exactly the goal, answers can only keep pace with it, give or take their jitter.
RATE_NOISE = 0.01


@dataclass(frozen=True)
class Cpu:
    """CPU seconds each party used during the offered load."""

    generator: float
    web: float
    workers: float
    wall: float


@dataclass(frozen=True)
class Work:
    """What the replies set the worker doing while the load ran (it shares the cores)."""

    redraws: int  # chat.update calls: Slack posts redrawn after a state change
    sms: int  # SMS the worker sent (ack notices to the others alerted)


@dataclass(frozen=True)
class Plan:
    """One run: its replies per second, and whether issue 9's rows 7-8 are judged too."""

    label: str
    rate: float
    rows_7_8: bool


@dataclass(frozen=True)
class Outcome:
    """What was sent, how it was answered, and what the database and the doubles hold."""

    replies: list[RequestResult]
    commands: list[RequestResult]
    start: float  # perf_counter when the first requests were due
    offered_over: float  # the schedule's length (--seconds)
    responded: int  # /cms answers that reached the response_url
    cpu: Cpu
    work: Work
    under_load: UnderLoad  # what issue 14's goals are judged on
    drained: float  # seconds after the load until every reply was handled and answered
    logs: list[Path]


def report(outcome: Outcome, plan: Plan) -> tuple[bool, list[str]]:
    """Print every table; whether every goal is met, and the run's line of the summary."""
    replies, commands = outcome.replies, outcome.commands
    answered = [r for r in replies if r.ok]
    throughput = _completion_rate(answered)
    rows = _rows_7_8(outcome, plan.rate, throughput) if plan.rows_7_8 else []
    print()
    print_table(["latency (ms)", "count", "failed", "p50", "p90", "p99", "max"], [
        latency_row("reply POST /twilio/sms", [r.latency for r in replies],
                    sum(not r.ok for r in replies)),
        latency_row("reply sent -> answered (TwiML or SMS)", outcome.under_load.answers.seconds,
                    outcome.under_load.answers.unanswered),
        latency_row("/cms POST /slack/events (ack)", [r.latency for r in commands],
                    sum(not r.ok for r in commands)),
        latency_row("status callback POST", [r.latency for r in outcome.under_load.callbacks],
                    sum(not r.ok for r in outcome.under_load.callbacks)),
        latency_row("incident POST -> first SMS", outcome.under_load.first_sms, "-"),
        latency_row("  the same, idle service first", outcome.under_load.idle, "-"),
        # This process also serves the doubles: if it fell behind, the load was not offered.
        latency_row("request left late vs schedule",
                    schedule_lags([replies, commands], outcome.start, outcome.offered_over), "-"),
    ])
    print()
    print_table(["total", "value"], [
        ["replies sent", len(replies)],
        ["/cms commands sent", len(commands)],
        ["/cms answers posted to response_url", outcome.responded],
        ["Slack posts redrawn by the worker during the load", outcome.work.redraws],
        ["SMS sent by the worker during the load", outcome.work.sms],
        ["after the load, until every reply was handled and answered (s)",
         f"{outcome.drained:.1f}"],
    ])
    _print_cpu(outcome.cpu, len(answered))
    for name, results in (("reply", replies), ("command", commands)):
        for result in [r for r in results if not r.ok][:5]:
            print(f"{name} {result.index}: HTTP {result.status or '-'} {result.error}")
    ok = report_goals(f"goals at {plan.label}", outcome.under_load, rows)
    run = outcome.under_load
    slowest = max((r.latency for r in [*run.sms, *run.callbacks, *run.slack]), default=math.nan)
    return ok, [plan.label, f"{throughput:.0f}/s",
                _ms(percentiles(run.answers.seconds, [99])[0]),
                _ms(percentiles(run.first_sms, [99])[0]), _ms(slowest), _met(ok)]


def _rows_7_8(outcome: Outcome, rate: float, throughput: float) -> list[Row]:
    """Issue 9's goals for a fixed offered rate."""
    reply_p99 = percentiles([r.latency for r in outcome.replies], [99])[0]
    ack_p50, ack_p99 = percentiles([r.latency for r in outcome.commands], [50, 99])
    return [
        [f"row 7: replies answered/s (offered {rate:g}/s)", f"{throughput:.0f}/s",
         f">= {REPLY_RATE_GOAL:g}/s", _met(throughput >= REPLY_RATE_GOAL * (1 - RATE_NOISE))],
        ["row 7: reply latency p99", _ms(reply_p99), f"<= {_ms(REPLY_P99_GOAL)}",
         _met(reply_p99 <= REPLY_P99_GOAL)],
        ["row 8: Slack /cms ack p99", _ms(ack_p99), f"<= {_ms(SLACK_P99_GOAL)}",
         _met(ack_p99 <= SLACK_P99_GOAL)],
        [f"row 8: the same / Slack's {_ms(SLACK_LIMIT)} (p50 {_ms(ack_p50)})",
         _ratio(ack_p99 / SLACK_LIMIT), "<= 1", _met(ack_p99 <= SLACK_LIMIT)],
    ]


def _print_cpu(cpu: Cpu, replies: int) -> None:
    cores = os.cpu_count() or 1
    capacity = cpu.wall * cores

    def share(seconds: float) -> str:
        return f"{100 * seconds / capacity:.0f}%"

    print()
    print_table(["CPU during the load", "seconds", f"share of {cores} cores"], [
        ["load generator and doubles (this process)", f"{cpu.generator:.1f}", share(cpu.generator)],
        ["web process(es)", f"{cpu.web:.1f}", share(cpu.web)],
        ["rq worker(s) and work horses", f"{cpu.workers:.1f}", share(cpu.workers)],
    ])
    if replies:
        # The few commands' CPU is in there too; at 100 replies per command it hardly shows.
        print(f"web CPU per answered reply: {1000 * cpu.web / replies:.2f} ms")


def _completion_rate(answered: Sequence[RequestResult]) -> float:
    """Answers per second from the first answer to the last (NaN for fewer than two)."""
    ends = sorted(r.started + r.latency for r in answered)
    if len(ends) < 2 or ends[-1] <= ends[0]:
        return math.nan
    return (len(ends) - 1) / (ends[-1] - ends[0])


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def _met(good: bool) -> str:
    return "yes" if good else "NO"
