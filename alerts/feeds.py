"""Incident sources that must be heard from: a dead feed looks exactly like a quiet night.

The sites file lists each source with how often it must be heard from (`sources:
{nypd-patrol: {expect_within: 6h}}`). Any incident from it, or a heartbeat, is contact. A
source silent past its window is one outage: the coordinators are told once when it starts
and once when the source is heard from again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from alerts.durations import DurationError, parse_duration

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}\Z")  # fits incidents.source (40)
Change = Literal["silent", "back"]


@dataclass(frozen=True)
class FeedSource:
    """A source of incidents and the longest it may stay silent."""

    name: str
    expect_within: timedelta


@dataclass(frozen=True)
class FeedState:
    """What the database holds for a source.

    `listed_at`: when cmsbot first saw the sites file list it (a source never heard from counts
    from then); `silent_from`: the last contact when its current outage was declared, None
    when there is none.
    """

    listed_at: datetime
    last_seen_at: datetime | None = None
    silent_from: datetime | None = None

    @property
    def counted_from(self) -> datetime:
        """The last contact, or when the source was first listed if it never made any."""
        return self.last_seen_at or self.listed_at


def parse_sources(raw: object, add: Callable[[str, str], None]) -> dict[str, FeedSource]:
    """The `sources` mapping of the sites file; each problem goes to `add(where, message)`."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        add("sources", "must map source names to {expect_within: DURATION}, "
                       "e.g. {nypd-patrol: {expect_within: 6h}}")
        return {}
    sources: dict[str, FeedSource] = {}
    for name, spec in raw.items():
        where = f"sources.{name}"
        if not isinstance(name, str) or not SOURCE_NAME.match(name):
            add(where, "a source name is lower-case letters, digits, dots and dashes (at most "
                       "40), as the feed sends it in an incident's `source`")
            continue
        if not isinstance(spec, Mapping) or "expect_within" not in spec:
            add(where, "needs expect_within: DURATION, e.g. {expect_within: 6h}")
            continue
        for key in spec:
            if key != "expect_within":
                add(f"{where}.{key}", "unknown key; expected expect_within")
        try:
            sources[name] = FeedSource(name, parse_duration(spec["expect_within"]))
        except DurationError as exc:
            add(f"{where}.expect_within", str(exc))
    return sources


def overdue(source: FeedSource, state: FeedState, now: datetime) -> bool:
    """Whether the source has been silent longer than it may be."""
    return now - state.counted_from > source.expect_within


def change(source: FeedSource, state: FeedState, now: datetime) -> Change | None:
    """What the coordinators must be told now: a new outage, its end, or nothing."""
    if state.silent_from is None:
        return "silent" if overdue(source, state, now) else None
    if state.last_seen_at is not None and state.last_seen_at > state.silent_from:
        return "back"
    return None


def silent_text(source: FeedSource, state: FeedState, tz: tzinfo) -> str:
    """The page when a source goes silent past its window."""
    heard = "not heard from since" if state.last_seen_at else "never heard from since it was " \
        "listed at"
    return (f"CMS FEED SILENT: {source.name} {heard} {_when(state.counted_from, tz)} "
            f"(expected within {_spoken(source.expect_within)}). A quiet night looks the same: "
            "check the feed.")


def back_text(source: FeedSource, state: FeedState, tz: tzinfo) -> str:
    """The page when a silent source is heard from again."""
    assert state.last_seen_at is not None and state.silent_from is not None
    return (f"CMS FEED BACK: {source.name} heard from again at {_when(state.last_seen_at, tz)}, "
            f"silent {_spoken(state.last_seen_at - state.silent_from)}")


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M")


def _spoken(delta: timedelta) -> str:
    """7h 12m, 6h, 2d 3h, 45m: what a coordinator reads at a glance."""
    minutes = int(delta.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts[:2]) or "under a minute"


def status_line(source: FeedSource, state: FeedState, now: datetime, tz: tzinfo) -> str:
    """One source as `/cms sources` lists it: its last contact and whether it is overdue."""
    if state.last_seen_at is None:
        heard = f"never heard from (watched since {_when(state.listed_at, tz)})"
    else:
        ago = _spoken(now - state.last_seen_at)
        heard = f"last heard {_when(state.last_seen_at, tz)} ({ago} ago)"
    verdict = "OVERDUE" if overdue(source, state, now) else "ok"
    return f"{source.name}: {heard}, expected within {_spoken(source.expect_within)}: {verdict}"
