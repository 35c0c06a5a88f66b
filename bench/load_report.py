"""What the load benchmark prints, and the correctness checks that decide its exit status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.common import schedule_lags
from bench.harness import Doubles, RequestResult, latency_row, max_in_flight, print_table
from bench.load_traffic import first_arrivals

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
    """What the database holds of the run."""

    unsent: dict[str, int]  # alert deliveries not (yet) sent, by status
    alert_sms: int
    alert_posts: int
    replies: int


# A row of the totals: name, value, and whether it passed (None: information only).
Row = tuple[str, object, bool | None]


def report(traffic: Traffic, recorded: Recorded, drained: float, doubles: Doubles,
           stamps: Sequence[float]) -> bool:
    """Print the latency table and the totals; True when nothing failed, was lost or doubled."""
    first_sms, _ = first_arrivals(doubles.twilio.messages, stamps)
    accepted = [r.index for r in traffic.incidents if r.ok]
    to_first_sms = [first_sms[i] - traffic.incident_sent_at[i] for i in accepted if i in first_sms]
    print()
    print_table(["latency (ms)", "count", "failed", "p50", "p90", "p99", "max"], [
        latency_row("ingest POST /api/incidents", [r.latency for r in traffic.incidents],
                    sum(not r.ok for r in traffic.incidents)),
        latency_row("reply POST /twilio/sms", [r.latency for r in traffic.replies],
                    sum(not r.ok for r in traffic.replies)),
        latency_row("incident POST to first SMS", to_first_sms, "-"),
        # This process also serves the doubles: if it fell behind, the load was not offered.
        latency_row("request left late vs schedule",
                    schedule_lags([traffic.incidents, traffic.replies], traffic.start,
                                  traffic.offered_over), "-"),
    ])
    rows = [*_requests(traffic, len(accepted) - len(to_first_sms)),
            *_messages(recorded, doubles, len(traffic.replies)), *_timing(traffic, drained)]
    print()
    print_table(["total", "value", "check"], [
        [name, value, "" if good is None else "ok" if good else "FAIL"]
        for name, value, good in rows])
    for name, results in (("incident", traffic.incidents), ("reply", traffic.replies)):
        for result in [r for r in results if not r.ok][:5]:
            print(f"{name} {result.index}: HTTP {result.status or '-'} {result.error}")
    return all(good is not False for _, _, good in rows)


def _requests(traffic: Traffic, without_sms: int) -> list[Row]:
    failed = sum(not r.ok for r in [*traffic.incidents, *traffic.replies])
    late = sum(r.latency > TWILIO_WEBHOOK_TIMEOUT for r in traffic.replies)
    return [
        ("requests sent", len(traffic.incidents) + len(traffic.replies), None),
        ("requests failed (non-2xx or no answer)", failed, failed == 0),
        ("incidents accepted", sum(r.ok for r in traffic.incidents), None),
        ("incidents nobody was texted about", without_sms, without_sms == 0),
        ("replies sent", len(traffic.replies), None),
        (f"replies answered after {TWILIO_WEBHOOK_TIMEOUT:g} s (Twilio would give up)", late, None),
        ("most incident posts in flight at once", max_in_flight(traffic.incidents), None),
        # The double's webhook session is aiohttp's default, 100 connections: beyond that,
        # replies wait in this process, and that wait is part of their latency.
        ("most replies in flight at once", max_in_flight(traffic.replies), None),
    ]


def _messages(recorded: Recorded, doubles: Doubles, replies_sent: int) -> list[Row]:
    messages = doubles.twilio.messages
    alerts = sum(m.body.startswith("CMS ALERT") for m in messages)
    sms_twice = _extra(Counter((m.to, m.body) for m in messages))
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
        ("Slack posts redrawn (chat.update calls)", len(doubles.slack.updates), None),
        ("duplicate SMS (same To, same body)", sms_twice, sms_twice == 0),
        ("duplicate Slack posts (same delivery key)", posts_twice, posts_twice == 0),
        ("replies recorded", recorded.replies, recorded.replies == replies_sent),
    ]


def _timing(traffic: Traffic, drained: float) -> list[Row]:
    return [
        ("first request to last answer (s)", f"{traffic.seconds:.1f}", None),
        ("all recorded after the last answer (s)", f"{drained:.1f}", None),
    ]


def _extra(counts: Counter[object]) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)
