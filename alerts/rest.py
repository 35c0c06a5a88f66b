"""Rest after a fatal response: who is spared new alerts for a while.

A member who was on scene (12S, SCENE 12) at a fatal shooting is not paged for new alerts for
their team's `rest_after_fatal` (default 12 hours) from the moment they said so, unless nobody
else on the team would be paged (alerts.routing). The store reads the recent on-scene
responses to fatal incidents; this module turns them into the resting members at `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.sites import DEFAULT_REST_AFTER_FATAL, Sites

# How far back the store looks: a rest longer than this (a typo like 12d) is cut to it, so
# the query stays bounded and no date arithmetic can overflow.
LONGEST_REST = timedelta(days=7)


@dataclass(frozen=True)
class FatalResponse:
    """`phone` was on scene at a fatal incident for team `team_id` (None: as a coordinator)."""

    phone: str
    team_id: str | None
    on_scene_at: datetime


def lookback(sites: Sites) -> timedelta:
    """How far back a response can still be resting someone: the longest rest of any team."""
    rests = [team.rest_after_fatal for team in sites.teams]
    return min(max(rests, default=DEFAULT_REST_AFTER_FATAL), LONGEST_REST)


def resting(responses: Iterable[FatalResponse], sites: Sites,
            now: datetime) -> Mapping[str, datetime]:
    """Each resting phone and when its rest ends: the rest of the team it responded for
    (the default for a team no longer in the sites file), from its latest such response."""
    until: dict[str, datetime] = {}
    for response in responses:
        team = sites.find_team(response.team_id)
        rest = min(team.rest_after_fatal if team else DEFAULT_REST_AFTER_FATAL, LONGEST_REST)
        ends = response.on_scene_at + rest
        if now < ends:
            until[response.phone] = max(ends, until.get(response.phone, ends))
    return until
