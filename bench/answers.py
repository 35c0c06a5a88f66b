"""Was every inbound SMS recorded once and answered once? Asked of the database after a run.

An answer is either the TwiML message in the webhook's response, or (a reply deferred to a
worker) one delivery of kind 'reply' on channel 'sms' to the sender, sent to the Twilio double.
Both schemas are read: the one where the webhook does everything (`reply_kind` set once
handled), and the one with `state` ('received' | 'handled') and `answered_via` ('twiml' | 'sms'
| NULL when no answer is due, e.g. STOP or a rate-limited help).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from alerts.outbound import delivery_key
from bench.common import wait_until
from bench.ledger import SentReply
from bench.twilio_double import StampedTwilio

REACHED = ("sent", "delivered", "read")  # the provider took it
PENDING = ("pending", "sending", "retry", "unsure")  # a worker still has it to send
_NOTE = re.compile(r"^\d+N (note \d+)$")  # each note reply's text is unique in its run
_REPLY_DELIVERIES = ("SELECT key, recipient, body, status, provider_id FROM deliveries "
                     "WHERE kind = 'reply' AND channel = 'sms' ORDER BY created_at, key")


@dataclass
class Answers:
    """What became of the replies a run sent."""

    sent: int = 0
    recorded: int = 0  # in inbound_messages (the MessageSid is its key: at most once)
    handled: int = 0  # and acted on
    by_twiml: int = 0
    by_sms: int = 0
    not_due: int = 0  # recorded with no answer due
    unanswered: int = 0  # due, but answered neither way (or the SMS never reached Twilio)
    doubled: int = 0  # answered twice: an SMS as well as TwiML, or two SMS
    notes: int = 0  # replies that add a note ("12N note 7")
    notes_lost: int = 0  # ... whose note is not on the timeline
    notes_doubled: int = 0  # ... whose note is on it more than once (acted on twice)
    seconds: list[float] = field(default_factory=list)  # send -> answer, per answered reply
    reply_sms: set[str] = field(default_factory=set)  # Twilio sids of the 'reply' deliveries
    problems: list[str] = field(default_factory=list)  # a few examples, for the report

    @property
    def complete(self) -> bool:
        """Everything recorded and handled once, answered once where an answer was due."""
        return (self.recorded == self.handled == self.sent and self.unanswered == 0
                and self.doubled == 0 and self.notes_lost == 0 and self.notes_doubled == 0)


def reply_key(sid: str, phone: str) -> str:
    """The delivery key of the deferred answer to MessageSid `sid` (bot/services/sms_inbox)."""
    return delivery_key(f"reply:{sid}", "reply", "sms", phone)


async def _columns(connection: asyncpg.Connection) -> set[str]:
    rows = await connection.fetch("SELECT column_name FROM information_schema.columns "
                                  "WHERE table_name = 'inbound_messages'")
    return {row["column_name"] for row in rows}


def _handled(columns: set[str]) -> str:
    return "state = 'handled'" if "state" in columns else "reply_kind IS NOT NULL"


async def wait_handled(database: str, sids: Sequence[str], within: float) -> float:
    """Poll until every recorded sid is handled and no 'reply' SMS waits to be sent; the
    seconds waited. Called once every webhook has answered: by then each reply that will ever
    be recorded is (the record comes before the answer), so one never recorded is lost, and
    waiting for it would only spend the deadline."""
    started = time.perf_counter()
    connection = await asyncpg.connect(database)
    try:
        # Built from constants only: which condition means handled depends on the schema.
        unhandled = ("SELECT count(*) FROM inbound_messages WHERE sid = ANY($1::text[]) "  # noqa: S608
                     f"AND NOT ({_handled(await _columns(connection))})")
        waiting = "SELECT count(*) FROM deliveries WHERE kind = 'reply' AND status = ANY($1)"

        async def settled() -> bool:
            if await connection.fetchval(unhandled, list(sids)):
                return False
            return int(await connection.fetchval(waiting, list(PENDING))) == 0
        await wait_until(settled, within, interval=0.25)
    finally:
        await connection.close()
    return time.perf_counter() - started


async def check_answers(database: str, sent: Sequence[SentReply],
                        twilio: StampedTwilio) -> Answers:
    """Match each sent reply to its record and its answer; see the module docstring."""
    connection = await asyncpg.connect(database)
    try:
        columns = await _columns(connection)
        wanted = [c for c in ("sid", "reply", "reply_kind", "state", "answered_via")
                  if c in columns]
        query = (f"SELECT {', '.join(wanted)}, {_handled(columns)} AS handled "  # noqa: S608
                 "FROM inbound_messages WHERE sid = ANY($1::text[])")  # constants only
        rows = {row["sid"]: dict(row) for row in
                await connection.fetch(query, [reply.sid for reply in sent])}
        deliveries = [dict(row) for row in await connection.fetch(_REPLY_DELIVERIES)]
        notes = [(reply, found.group(1)) for reply in sent
                 if (found := _NOTE.match(reply.body)) is not None]
        counts = {row["detail"]: row["n"] for row in await connection.fetch(
            "SELECT detail, count(*) AS n FROM timeline WHERE action = 'note' "
            "AND detail = ANY($1::text[]) GROUP BY detail", [text for _, text in notes])}
    finally:
        await connection.close()
    answers = match(sent, rows, deliveries, "answered_via" in columns, twilio)
    answers.notes = len(notes)
    answers.notes_lost = sum(counts.get(text, 0) == 0 for _, text in notes)
    answers.notes_doubled = sum(max(counts.get(text, 0) - 1, 0) for _, text in notes)
    return answers


def match(sent: Sequence[SentReply], rows: dict[str, dict[str, Any]],
          deliveries: list[dict[str, Any]], has_via: bool, twilio: StampedTwilio) -> Answers:
    """Pair replies with 'reply' deliveries: by key first, then by recipient and text."""
    answers = Answers(sent=len(sent), reply_sms={d["provider_id"] for d in deliveries
                                                 if d["provider_id"]})
    by_key = {d["key"]: d for d in deliveries}
    by_text: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in deliveries:
        by_text[(d["recipient"], d["body"])].append(d)
    used: set[str] = set()
    deferred: list[tuple[SentReply, dict[str, Any]]] = []
    for reply in sent:
        row = rows.get(reply.sid)
        if row is None:
            answers.problems.append(f"{reply.sid} ({reply.body!r}) was never recorded")
            continue
        answers.recorded += 1
        answers.handled += bool(row["handled"])
        if reply.twiml is not None:
            answers.by_twiml += 1
            answers.seconds.append(reply.result.latency)
            continue
        due = row.get("answered_via") is not None if has_via else row.get("reply") is not None
        if not due:
            answers.not_due += 1
            continue
        found = by_key.get(reply_key(reply.sid, reply.phone))
        if found is not None:
            used.add(found["key"])
            _reached(answers, reply, found, twilio)
        else:
            deferred.append((reply, row))
    for reply, row in deferred:
        # By text: the same words to the same phone, one delivery each; a schema that keeps no
        # text leaves only the phone to go by.
        text = row.get("reply")
        candidates = by_text[(reply.phone, text)] if text else \
            [d for d in deliveries if d["recipient"] == reply.phone]
        pool = [d for d in candidates if d["key"] not in used]
        if not pool:
            answers.unanswered += 1
            answers.problems.append(f"{reply.sid} ({reply.body!r}) got empty TwiML and no SMS")
            continue
        used.add(pool[0]["key"])
        _reached(answers, reply, pool[0], twilio)
    phones = {reply.phone for reply in sent}
    extra = [d for d in deliveries if d["key"] not in used and d["recipient"] in phones]
    answers.doubled = len(extra)
    answers.problems += [f"an extra 'reply' SMS to a sender: {d['body']!r}" for d in extra[:3]]
    return answers


def _reached(answers: Answers, reply: SentReply, delivery: dict[str, Any],
             twilio: StampedTwilio) -> None:
    arrived = twilio.arrived_at(delivery["provider_id"] or "")
    if delivery["status"] not in REACHED or arrived is None:
        answers.unanswered += 1
        answers.problems.append(f"{reply.sid}: its answer is {delivery['status']}, "
                                f"{'not ' if arrived is None else ''}at the Twilio double")
        return
    answers.by_sms += 1
    answers.seconds.append(arrived - reply.result.started)
