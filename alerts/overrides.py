"""Time off and covers: who is on or off for a while, whatever their shifts say.

A member texts OFF (off until a time) and ON (back); a supervisor or coordinator covers a
shift with `/cms cover` (someone on until a time, perhaps in place of someone). Each ends by
itself at `ends`; routing asks `on_duty` with the time of the alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from alerts.shifts import Shift, on_shift

OverrideKind = Literal["off", "cover"]


@dataclass(frozen=True)
class Override:
    """`name` of team `team_id` is off, or on (a cover), from `starts` until `ends`."""

    team_id: str
    name: str
    kind: OverrideKind
    starts: datetime
    ends: datetime
    instead_of: str | None = None

    def active(self, at: datetime) -> bool:
        """Whether it holds at the aware instant `at`."""
        return self.starts <= at < self.ends


def on_duty(member_name: str, shifts: tuple[Shift, ...], team_id: str,
            overrides: Sequence[Override], at: datetime, local: datetime) -> bool:
    """Whether a member is paged now: their shifts (in `local`, the city's time), unless an
    override says otherwise. The latest-made override of theirs wins; being covered for is off."""
    name = member_name.casefold()
    mine = [o for o in overrides if o.team_id == team_id and o.active(at)
            and (o.name.casefold() == name or (o.instead_of or "").casefold() == name)]
    if not mine:
        return on_shift(shifts, local)
    latest = max(mine, key=lambda o: o.starts)
    return latest.kind == "cover" and latest.name.casefold() == name


def covering(member_name: str, team_id: str, overrides: Sequence[Override],
             at: datetime) -> bool:
    """Whether the member is on a cover now: paged first, like those they cover, whatever
    their role (a supervisor covering a sick call is on the street)."""
    name = member_name.casefold()
    return any(o.kind == "cover" and o.team_id == team_id and o.name.casefold() == name
               and o.active(at) for o in overrides)


def current(overrides: Sequence[Override], team_id: str | None, at: datetime) -> list[Override]:
    """The overrides holding at `at` (of one team, or all), earliest end first."""
    return sorted((o for o in overrides if o.active(at) and team_id in (None, o.team_id)),
                  key=lambda o: o.ends)
