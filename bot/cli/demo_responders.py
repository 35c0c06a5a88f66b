"""The demo's responders: some sample members answer their alerts by SMS, as people would.

Each reply is a real text into the local service, signed as Twilio would sign it (the same
path as `cmsbot sms`), so the dashboard, the reports and `cmsbot report` show real states
within minutes: acknowledged, on scene and checked out, closed with an outcome, a NEED, a
follow-up answered, and alerts and follow-ups nobody answers, which escalate. The plan is
fixed, so every demo run plays the same way.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Mapping

from alerts.phone import redact
from bot.cli.talk import NoService, post_sms, twiml_messages
from bot.config.settings import Settings
from bot.store.outbox import OutboxEntry

# For the k-th alert (1, 2, ...) a member gets: what they reply, each after how many seconds
# (scaled like the demo's --interval; {n} is the alert's short number). Members not named here
# (Erica Shaw of LIFE Camp among them) never answer: their alerts escalate.
PLAN: Mapping[str, tuple[tuple[tuple[float, str], ...], ...]] = {
    "Ray Ortiz": (((4.0, "{n}A"),),
                  ((3.0, "{n}S"), (6.0, "{n}K"), (3.0, "{n}C mediated"))),
    # Both teams of an incident close their part before the incident closes.
    "Tasha Bell": (((6.0, "{n}S"), (20.0, "{n}K")),
                   ((12.0, "{n}C referred"),)),
    "Luis Feliz": (((5.0, "{n}A"), (4.0, "NEED {n} a second car, the family is at the scene")),),
}
# The same for the k-th follow-up check-in (the demo's pace sends them minutes after an alert):
# Ray answers his; the others' go unanswered and become overdue.
FOLLOWUP_PLAN: Mapping[str, tuple[tuple[tuple[float, str], ...], ...]] = {
    "Ray Ortiz": (((5.0, "{n}N spoke with the family, calm so far; checking again tomorrow"),),),
}
_ALERT = re.compile(r"^CMS ALERT #(\d+):")
_FOLLOWUP = re.compile(r"^CMS FOLLOW-UP #(\d+) ")
DEFAULT_INTERVAL = 3.0  # the --interval the plan's delays are written for


class Responders:
    """Answers the alerts the demo prints, per PLAN; one printed line per reply."""

    def __init__(self, base_url: str, settings: Settings, interval: float) -> None:
        self._url = base_url
        self._settings = settings
        self._scale = interval / DEFAULT_INTERVAL
        self._seen: Counter[tuple[str, str]] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()

    def saw(self, entry: OutboxEntry) -> None:
        """Note an outbox message; start the planned replies when it is a member's alert or
        follow-up check-in."""
        kind = "alert" if _ALERT.match(entry.body) else "followup"
        match = _ALERT.match(entry.body) or _FOLLOWUP.match(entry.body)
        if entry.channel != "sms" or match is None or entry.recipient_name is None:
            return
        self._seen[kind, entry.recipient_name] += 1
        plans = (PLAN if kind == "alert" else FOLLOWUP_PLAN).get(entry.recipient_name, ())
        k = self._seen[kind, entry.recipient_name]
        if k <= len(plans):
            task = asyncio.create_task(self._answer(entry.recipient_name, entry.recipient,
                                                    match.group(1), plans[k - 1]))
            self._tasks.add(task)  # kept: a task nobody references may be collected mid-way
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, name: str, phone: str, number: str,
                      steps: tuple[tuple[float, str], ...]) -> None:
        for delay, template in steps:
            await asyncio.sleep(delay * self._scale)  # the responder's pace, not a wait
            text = template.format(n=number)
            try:
                status, body = await post_sms(self._url, self._settings, phone, text)
            except NoService:
                return  # the demo is stopping
            answer = " / ".join(twiml_messages(body)) if status == 200 else f"HTTP {status}"
            print(f"reply from {name} {redact(phone)}: {text} -> "
                  f"{answer or '(answered later by SMS)'}", flush=True)
