"""Reports: the numbers the Office reports on, per team and per month of the city's calendar.

A team's month holds the shootings routed to the team that occurred in that month (local
time; takedown reminders and members' SOSes are stored as incidents of kinds "takedown" and
"sos" and are not shootings; cancelled reports are left out), and the post-takedown plans
dated in that month. Times are measured from when cmsbot received the incident, because that
is when the team could first have been told:

- time to acknowledge: to the first acknowledgement by anyone paged for the team (a member,
  or the supervisor or a coordinator reached through the team's escalation; "on scene"
  counts, as it does for escalation);
- time to on scene: to the first "on scene" of anyone paged for the team.

Percentiles interpolate linearly between the closest ranks (R's type 7, numpy's default,
Excel's PERCENTILE.INC), exactly, to the microsecond: the median of 4 and 12 minutes is 8,
their 90th percentile 11.2. A statistic of nothing is None, never 0.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from alerts.replies import OUTCOMES
from alerts.takedowns import wall_clock

ACK_TARGET = timedelta(minutes=10)
MEDIAN, P90 = Fraction(1, 2), Fraction(9, 10)
YEAR_OF_MONTHS = 12
FIRST_YEAR = 1900
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_US = timedelta(microseconds=1)

Value = str | int | float | None

COLUMNS = ("team", "month", "incidents", "ack_median_min", "ack_p90_min", "acked_10min_pct",
           "scene_median_min", "scene_p90_min", *(o.replace("-", "_") for o in OUTCOMES),
           "still_open", "followups_due", "followups_done", "takedowns", "takedown_steps_sent",
           "takedown_steps_answered")


class ReportError(ValueError):
    """A report request that cannot be answered; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FollowUp:
    """A follow-up check-in due at `due_at`; `resolved_at`: when it stopped, if it did."""

    due_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class IncidentFacts:
    """One incident as one team lived it: first responses, the team's outcome, its follow-ups."""

    incident_id: str
    team_id: str
    kind: str
    occurred_at: datetime
    received_at: datetime
    acked_at: datetime | None = None
    on_scene_at: datetime | None = None
    outcome: str | None = None
    followups: tuple[FollowUp, ...] = ()
    # Unfounded or a duplicate: no shooting happened (or it is counted under another id).
    cancelled: bool = False


@dataclass(frozen=True)
class TakedownFacts:
    """One post-takedown plan for one team: the team's steps sent, and how many it answered."""

    takedown_id: int
    team_id: str
    date: date
    cancelled: bool = False
    steps_sent: int = 0
    steps_answered: int = 0


@dataclass(frozen=True)
class ReportRow:
    """One team's month."""

    team: str
    month: str
    incidents: int = 0
    ack_median: timedelta | None = None
    ack_p90: timedelta | None = None
    acked_in_target: int = 0
    ack_measured: int = 0
    scene_median: timedelta | None = None
    scene_p90: timedelta | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    followups_due: int = 0
    followups_done: int = 0
    takedowns: int = 0
    takedown_steps_sent: int = 0
    takedown_steps_answered: int = 0

    @property
    def acked_in_target_share(self) -> Fraction | None:
        """Of the incidents that can be judged, the share acknowledged within ten minutes."""
        return Fraction(self.acked_in_target, self.ack_measured) if self.ack_measured else None


def percentile(values: Iterable[timedelta], q: Fraction) -> timedelta | None:
    """The `q` quantile (0 to 1), interpolated linearly between the closest ranks; None of none."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = int(position)
    if low == position:
        return ordered[low]
    low_us, high_us = ordered[low] // _ONE_US, ordered[low + 1] // _ONE_US
    return timedelta(microseconds=round(low_us + (high_us - low_us) * (position - low)))


def report_rows(incidents: Iterable[IncidentFacts], takedowns: Iterable[TakedownFacts],
                tz: tzinfo, now: datetime) -> list[ReportRow]:
    """One row per team and month that had a shooting or a takedown plan, sorted by both."""
    shootings: dict[tuple[str, str], list[IncidentFacts]] = {}
    for fact in incidents:
        # Takedown reminders and SOSes are not shootings; a cancelled report was none, and a
        # team released by a corrected location never had it.
        if fact.kind == "shooting" and not fact.cancelled and fact.outcome != "released":
            month = fact.occurred_at.astimezone(tz).strftime("%Y-%m")
            shootings.setdefault((fact.team_id, month), []).append(fact)
    plans: dict[tuple[str, str], list[TakedownFacts]] = {}
    for plan in takedowns:
        # A plan cancelled before anything reached the team was no outreach.
        if not plan.cancelled or plan.steps_sent:
            plans.setdefault((plan.team_id, plan.date.strftime("%Y-%m")), []).append(plan)
    return [_row(key, shootings.get(key, []), plans.get(key, []), now)
            for key in sorted(shootings.keys() | plans.keys())]


def _row(key: tuple[str, str], facts: list[IncidentFacts], plans: list[TakedownFacts],
         now: datetime) -> ReportRow:
    acks = [f.acked_at - f.received_at for f in facts if f.acked_at is not None]
    scenes = [f.on_scene_at - f.received_at for f in facts if f.on_scene_at is not None]
    # An unacknowledged incident received less than ten minutes ago may still make it.
    judged = [f for f in facts if f.acked_at is not None or now - f.received_at >= ACK_TARGET]
    outcomes = dict.fromkeys((*OUTCOMES, "open"), 0)
    for fact in facts:
        outcomes[_outcome(fact.outcome)] += 1
    due = [f for fact in facts for f in fact.followups if _is_due(f, now)]
    return ReportRow(
        team=key[0], month=key[1], incidents=len(facts),
        ack_median=percentile(acks, MEDIAN), ack_p90=percentile(acks, P90),
        acked_in_target=sum(1 for f in judged if f.acked_at is not None
                            and f.acked_at - f.received_at <= ACK_TARGET),
        ack_measured=len(judged),
        scene_median=percentile(scenes, MEDIAN), scene_p90=percentile(scenes, P90),
        outcomes=outcomes, followups_due=len(due),
        followups_done=sum(1 for f in due if f.resolved_at is not None),
        takedowns=len(plans), takedown_steps_sent=sum(p.steps_sent for p in plans),
        takedown_steps_answered=sum(p.steps_answered for p in plans))


def _outcome(outcome: str | None) -> str:
    if outcome is None:
        return "open"
    return outcome if outcome in OUTCOMES else "other"


def _is_due(followup: FollowUp, now: datetime) -> bool:
    # Stopped before its time (the team closed the incident first): it never came due.
    if followup.resolved_at is not None and followup.resolved_at < followup.due_at:
        return False
    return followup.due_at <= now


def parse_day(text: str, name: str) -> date:
    """A YYYY-MM-DD date from 1900 on; ReportError naming `name` otherwise."""
    try:
        if _DAY.fullmatch(text.strip()):
            day = date.fromisoformat(text.strip())
            # Midnight of year 1 in a zone east of UTC is before datetime's first instant.
            if day.year >= FIRST_YEAR:
                return day
    except ValueError:
        pass
    raise ReportError(name, f"{name}: {text!r} is not a date; write YYYY-MM-DD")


def default_window(today: date) -> tuple[date, date]:
    """A year of months: the first day of the month 11 months ago, up to and including today."""
    months = today.year * 12 + today.month - 1 - (YEAR_OF_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1), today + timedelta(days=1)


def check_window(since: date, until: date, names: tuple[str, str] = ("since", "until")) -> None:
    """Refuse an empty or backwards window; the error names the `until` field."""
    if until <= since:
        raise ReportError(names[1], f"{names[1]} {until.isoformat()} must be after {names[0]} "
                                    f"{since.isoformat()} (the {names[1]} day is not included)")


def report_window(since: str | None, until: str | None, today: date,
                  names: tuple[str, str] = ("since", "until")) -> tuple[date, date]:
    """The asked-for days [since, until), each defaulting to default_window's; checked."""
    default_since, default_until = default_window(today)
    first = parse_day(since, names[0]) if since is not None else default_since
    last = parse_day(until, names[1]) if until is not None else default_until
    check_window(first, last, names)
    return first, last


def window_bounds(since: date, until: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants (UTC) of the local midnights starting `since` and `until`: [start, end)."""
    return (wall_clock(datetime.combine(since, time()), tz).astimezone(UTC),
            wall_clock(datetime.combine(until, time()), tz).astimezone(UTC))


def row_values(row: ReportRow) -> tuple[Value, ...]:
    """A row's values in COLUMNS order: minutes and percentages to one decimal, None for none."""
    share = row.acked_in_target_share
    return (row.team, row.month, row.incidents, _minutes(row.ack_median), _minutes(row.ack_p90),
            None if share is None else _one_decimal(share * 100),
            _minutes(row.scene_median), _minutes(row.scene_p90),
            *(row.outcomes.get(o, 0) for o in OUTCOMES), row.outcomes.get("open", 0),
            row.followups_due, row.followups_done, row.takedowns, row.takedown_steps_sent,
            row.takedown_steps_answered)


def _minutes(delta: timedelta | None) -> float | None:
    return None if delta is None else _one_decimal(Fraction(delta // _ONE_US, 60_000_000))


def _one_decimal(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def as_json(rows: Sequence[ReportRow]) -> list[dict[str, Value]]:
    """Rows as JSON objects keyed by column name."""
    return [dict(zip(COLUMNS, row_values(row), strict=True)) for row in rows]


def as_csv(rows: Sequence[ReportRow]) -> str:
    """RFC 4180 CSV with a header row; an empty cell where there is nothing to measure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(["" if v is None else v for v in row_values(row)] for row in rows)
    return out.getvalue()


def as_table(rows: Sequence[ReportRow]) -> str:
    """Aligned text columns: names left, numbers right, "-" where there is nothing to measure."""
    cells = [list(COLUMNS)] + [["-" if v is None else str(v) for v in row_values(row)]
                               for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for line in cells:
        parts = [text.ljust(width) if i < 2 else text.rjust(width)
                 for i, (text, width) in enumerate(zip(line, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"
