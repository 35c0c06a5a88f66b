"""Issue 14's goals for a service under load, as ratios on the machine it runs on (point 5):

- incident -> first SMS p99 at most 2 s, and at most 10x its p99 on the same service idle;
- no webhook (inbound SMS, status callback, Slack) answered after 10 s, and none refused;
- nothing lost or doubled: every reply recorded once and answered once (TwiML or a later
  SMS), every note on the timeline once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.answers import Answers
from bench.harness import RequestResult, percentiles, print_table

FIRST_SMS_GOAL = 2.0  # seconds
IDLE_RATIO_GOAL = 10.0  # under load / idle, both p99
WEBHOOK_DEADLINE = 10.0  # seconds; Twilio gives up at 15, Slack wants an ack within 3

Row = list[str]  # what, measured, goal, met


@dataclass(frozen=True)
class UnderLoad:
    """What a run under load saw, for the goals."""

    idle: Sequence[float]  # POST -> first SMS on the idle service, seconds
    first_sms: Sequence[float]  # the same for the incidents posted during the load
    incidents: int  # posted during the load
    sms: Sequence[RequestResult]  # the inbound SMS webhooks
    callbacks: Sequence[RequestResult]  # the status callbacks
    slack: Sequence[RequestResult]  # the Slack commands
    answers: Answers


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def first_sms_rows(run: UnderLoad) -> list[Row]:
    """The incident -> first SMS goals, and that every incident was alerted."""
    idle = percentiles(run.idle, [99])[0]
    loaded = percentiles(run.first_sms, [99])[0]
    ratio = loaded / idle if idle > 0 else math.nan
    alerted = len(run.first_sms)
    return [
        ["incident -> first SMS p99", _ms(loaded), f"<= {_ms(FIRST_SMS_GOAL)}",
         _met(loaded <= FIRST_SMS_GOAL)],
        [f"  the same / idle p99 ({_ms(idle)}, {len(run.idle)} incidents)", f"{ratio:.1f}x",
         f"<= {IDLE_RATIO_GOAL:g}x", _met(ratio <= IDLE_RATIO_GOAL)],
        ["incidents under load accepted and texted about", f"{alerted}/{run.incidents}",
         "all", _met(alerted == run.incidents)],
    ]


def webhook_rows(run: UnderLoad) -> list[Row]:
    """Each kind of webhook: answered within the deadline, and with a 2xx."""
    rows = []
    for name, results in (("Twilio inbound SMS", run.sms), ("Twilio status callbacks",
                                                            run.callbacks),
                          ("Slack /cms commands", run.slack)):
        late = sum(r.latency > WEBHOOK_DEADLINE for r in results)
        failed = sum(not r.ok for r in results)
        top = max((r.latency for r in results), default=math.nan)
        rows.append([f"{name}: after {WEBHOOK_DEADLINE:g} s / not 2xx (max {_ms(top)})",
                     f"{late} / {failed} of {len(results)}", "0 / 0",
                     _met(late == failed == 0)])
    return rows


def answer_rows(answers: Answers) -> list[Row]:
    """Every reply recorded once and answered once; every note on the timeline once."""
    a = answers
    return [
        ["replies recorded (by MessageSid) and handled", f"{a.recorded}, {a.handled} of {a.sent}",
         "all", _met(a.recorded == a.handled == a.sent)],
        ["replies answered: TwiML + later SMS (+ none due)",
         f"{a.by_twiml} + {a.by_sms} (+ {a.not_due})", f"{a.sent}",
         _met(a.by_twiml + a.by_sms + a.not_due == a.sent and a.unanswered == 0)],
        ["replies unanswered / answered twice", f"{a.unanswered} / {a.doubled}", "0 / 0",
         _met(a.unanswered == a.doubled == 0)],
        ["notes lost / acted on twice", f"{a.notes_lost} / {a.notes_doubled} of {a.notes}",
         "0 / 0", _met(a.notes_lost == a.notes_doubled == 0)],
    ]


def report_goals(title: str, run: UnderLoad, extra: Sequence[Row] = ()) -> bool:
    """Print the goals table (with `extra` rows first); True when every goal is met."""
    rows = [*extra, *first_sms_rows(run), *webhook_rows(run), *answer_rows(run.answers)]
    print()
    print_table([title, "measured", "goal", "met?"], rows)
    for problem in run.answers.problems[:5]:
        print(f"  {problem}")
    return all(row[3] != "NO" for row in rows)
