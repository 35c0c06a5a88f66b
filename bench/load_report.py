"""What the load benchmark prints, and the checks that decide its exit status."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from bench.common import schedule_lags
from bench.goals import UnderLoad, report_goals
from bench.harness import Doubles, RequestResult, latency_row, max_in_flight, percentiles, print_table

TWILIO_WEBHOOK_TIMEOUT = 15.0  # seconds Twilio waits for a webhook's answer (error 11200 after)


@dataclass(frozen=True)
class Traffic:
    """What was sent and how it was answered."""

    incidents: list[RequestResult]
    replies: list[RequestResult]
    incident_sent_at: dict[int, float]
    start: float  # perf_counter when the first requests were due
    seconds: float  # from then to the last answer
    offered_over: float  # the schedule's length (--seconds)


@dataclass(frozen=True)
class Recorded:
    """What the database holds of the run's alerts."""

    unsent: dict[str, int]  # alert deliveries not (yet) sent, by status
    alert_sms: int
    alert_posts: int


# A row of the totals: name, value, and whether it passed (None: information only).
Row = tuple[str, object, bool | None]


def report(label: str, traffic: Traffic, recorded: Recorded, drained: float, doubles: Doubles,
           run: UnderLoad) -> tuple[bool, list[str]]:
    """Print the latency table, the totals and the goals; whether all passed, and the run's
    line of the summary."""
    print()
    print_table(["latency (ms)", "count", "failed", "p50", "p90", "p99", "max"], [
        latency_row("ingest POST /api/incidents", [r.latency for r in traffic.incidents],
                    sum(not r.ok for r in traffic.incidents)),
        latency_row("reply POST /twilio/sms", [r.latency for r in traffic.replies],
                    sum(not r.ok for r in traffic.replies)),
        latency_row("reply sent -> answered (TwiML or SMS)", run.answers.seconds,
                    run.answers.unanswered),
        latency_row("/cms POST /slack/events (ack)", [r.latency for r in run.slack],
                    sum(not r.ok for r in run.slack)),
        latency_row("status callback POST", [r.latency for r in run.callbacks],
                    sum(not r.ok for r in run.callbacks)),
        latency_row("incident POST to first SMS", run.first_sms, "-"),
        latency_row("  the same, idle service first", run.idle, "-"),
        # This process also serves the doubles: if it fell behind, the load was not offered.
        latency_row("request left late vs schedule",
                    schedule_lags([traffic.incidents, traffic.replies], traffic.start,
                                  traffic.offered_over), "-"),
    ])
    rows = [*_requests(traffic), *_messages(recorded, doubles, run.answers.reply_sms),
            ("first request to last answer (s)", f"{traffic.seconds:.1f}", None),
            ("all recorded and answered after the last answer (s)", f"{drained:.1f}", None)]
    print()
    print_table(["total", "value", "check"], [
        [name, value, "" if good is None else "ok" if good else "FAIL"]
        for name, value, good in rows])
    for name, results in (("incident", traffic.incidents), ("reply", traffic.replies)):
        for result in [r for r in results if not r.ok][:5]:
            print(f"{name} {result.index}: HTTP {result.status or '-'} {result.error}")
    met = report_goals(f"goals at {label}", run)
    ok = met and all(good is not False for _, _, good in rows)
    slowest = max((r.latency for r in [*run.sms, *run.callbacks, *run.slack]), default=math.nan)
    return ok, [label, _ms(percentiles([r.latency for r in traffic.replies], [99])[0]),
                _ms(percentiles(run.answers.seconds, [99])[0]),
                _ms(percentiles(run.first_sms, [99])[0]), _ms(slowest), "yes" if ok else "NO"]


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def _requests(traffic: Traffic) -> list[Row]:
    failed = sum(not r.ok for r in [*traffic.incidents, *traffic.replies])
    late = sum(r.latency > TWILIO_WEBHOOK_TIMEOUT for r in traffic.replies)
    return [
        ("requests sent (incidents and replies)", len(traffic.incidents) + len(traffic.replies),
         None),
        ("requests failed (non-2xx or no answer)", failed, failed == 0),
        ("incidents accepted", sum(r.ok for r in traffic.incidents), None),
        ("replies sent", len(traffic.replies), None),
        (f"replies answered after {TWILIO_WEBHOOK_TIMEOUT:g} s (Twilio would give up)", late, None),
        ("most incident posts in flight at once", max_in_flight(traffic.incidents), None),
        # The double's webhook session is aiohttp's default, 100 connections: beyond that,
        # replies wait in this process, and that wait is part of their latency.
        ("most replies in flight at once", max_in_flight(traffic.replies), None),
    ]


def _messages(recorded: Recorded, doubles: Doubles, reply_sms: set[str]) -> list[Row]:
    messages = doubles.twilio.messages
    alerts = sum(m.body.startswith("CMS ALERT") for m in messages)
    # Deferred answers may say the same to the same member twice ("already acknowledged"):
    # whether each was sent once is the goals' check, by MessageSid.
    sms_twice = _extra(Counter((m.to, m.body) for m in messages if m.sid not in reply_sms))
    posts_twice = _extra(Counter(
        str(((p.get("metadata") or {}).get("event_payload") or {}).get("delivery_key"))
        for p in doubles.slack.posts if p.get("metadata")))
    unsent = sum(recorded.unsent.values())
    return [
        ("alert SMS accepted by the Twilio double", alerts, alerts == recorded.alert_sms),
        ("alert SMS recorded as sent", recorded.alert_sms, None),
        ("alert Slack posts recorded as sent", recorded.alert_posts, None),
        (f"alert deliveries not sent {dict(recorded.unsent) or ''}".rstrip(), unsent, unsent == 0),
        ("all SMS accepted by the Twilio double", len(messages), None),
        ("of them deferred answers to replies", len(reply_sms), None),
        ("Slack posts redrawn (chat.update calls)", len(doubles.slack.updates), None),
        ("duplicate SMS (same To, same body; answers aside)", sms_twice, sms_twice == 0),
        ("duplicate Slack posts (same delivery key)", posts_twice, posts_twice == 0),
    ]


def _extra(counts: Counter[object]) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)
