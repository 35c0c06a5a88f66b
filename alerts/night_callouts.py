"""Night call-outs: how often each member was paged at night, per month of the city's calendar.

The Office watches who carries the nights: a member paged at 3 a.m. night after night burns
out. A call-out is one incident paging one member of a team (its alert, a repage call or an
escalation to them: one per incident and member, however many reached them), counted in the
month its first page was sent, city time; it is a night call-out when any of those pages was
sent at night, NIGHT_STARTS to NIGHT_ENDS city time. Names only: a phone never appears here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from alerts.phone import redact

# Night in the city's wall-clock time, across midnight. Routine hours (alerts.routine_hours)
# are a team's choice of when routine work may go out; night is the same for everyone.
NIGHT_STARTS, NIGHT_ENDS = time(22, 0), time(6, 0)

MEMBER_COLUMNS = ("team", "month", "member", "callouts", "night_callouts")


@dataclass(frozen=True)
class CallOut:
    """One page sent to `phone` (named `name` then) of team `team_id` for an incident."""

    incident_id: str
    team_id: str
    phone: str
    name: str | None
    sent_at: datetime


@dataclass(frozen=True)
class MemberMonth:
    """One member's month: call-outs, and those of them at night."""

    team: str
    month: str
    member: str
    callouts: int = 0
    night_callouts: int = 0


def at_night(local: datetime) -> bool:
    """Whether a local wall-clock time is at night (22:00 up to 06:00)."""
    clock = local.time().replace(tzinfo=None)
    return clock >= NIGHT_STARTS or clock < NIGHT_ENDS


def member_rows(pages: Iterable[CallOut], tz: tzinfo) -> list[MemberMonth]:
    """One row per team, month and member paged that month, sorted by team, month, name."""
    by_incident: dict[tuple[str, str, str], list[CallOut]] = {}
    for page in pages:
        by_incident.setdefault((page.incident_id, page.team_id, page.phone), []).append(page)
    counts: dict[tuple[str, str, str], list[int]] = {}
    names: dict[tuple[str, str, str], tuple[datetime, str]] = {}
    for (_, team_id, phone), sent in by_incident.items():
        first = min(sent, key=lambda p: p.sent_at)
        key = (team_id, first.sent_at.astimezone(tz).strftime("%Y-%m"), phone)
        tally = counts.setdefault(key, [0, 0])
        tally[0] += 1
        tally[1] += any(at_night(p.sent_at.astimezone(tz)) for p in sent)
        # The name they had at their latest page of the month: a renamed member is one row.
        latest = max(sent, key=lambda p: p.sent_at)
        if key not in names or latest.sent_at > names[key][0]:
            names[key] = (latest.sent_at, latest.name or redact(phone))
    rows = [MemberMonth(team, month, names[(team, month, phone)][1], *counts[(team, month, phone)])
            for team, month, phone in counts]
    return sorted(rows, key=lambda r: (r.team, r.month, r.member.casefold()))


def member_values(row: MemberMonth) -> tuple[str | int, ...]:
    """A row's values in MEMBER_COLUMNS order."""
    return (row.team, row.month, row.member, row.callouts, row.night_callouts)


def members_json(rows: Sequence[MemberMonth]) -> list[dict[str, str | int]]:
    """Rows as JSON objects keyed by column name."""
    return [dict(zip(MEMBER_COLUMNS, member_values(row), strict=True)) for row in rows]


def members_csv(rows: Sequence[MemberMonth]) -> str:
    """RFC 4180 CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MEMBER_COLUMNS)
    writer.writerows(member_values(row) for row in rows)
    return out.getvalue()


def members_table(rows: Sequence[MemberMonth]) -> str:
    """Aligned text columns: names left, numbers right."""
    cells = [list(MEMBER_COLUMNS)] + [[str(v) for v in member_values(row)] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(MEMBER_COLUMNS))]
    return "".join("  ".join(text.ljust(width) if i < 3 else text.rjust(width)
                             for i, (text, width) in enumerate(zip(line, widths, strict=True))
                             ).rstrip() + "\n" for line in cells)


def members_text(rows: Sequence[MemberMonth], fmt: str) -> str:
    """The rows in a `cmsbot report` format: table, csv or json."""
    if fmt == "csv":
        return members_csv(rows)
    if fmt == "json":
        return json.dumps(members_json(rows), indent=2) + "\n"
    return members_table(rows)
