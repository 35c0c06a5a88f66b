"""Outbound messages with their idempotency keys: what the workers hand to a provider, once each."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from alerts.incident import Incident
from alerts.linking import Link
from alerts.render import render_alert_sms
from alerts.routing import Plan
from alerts.sites import Sites
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.staff_texts import linked_line

Channel = Literal["sms", "slack", "voice"]
Sender = Literal["staff", "resident"]


@dataclass(frozen=True)
class Outbound:
    """One message to one recipient (a phone or a Slack channel) for one purpose (`kind`)."""

    key: str
    incident_id: str | None
    kind: str
    channel: Channel
    recipient: str
    body: str
    blocks: tuple[dict[str, Any], ...] = ()
    sender: Sender = "staff"
    recipient_name: str | None = None
    team_id: str | None = None


def delivery_key(scope: str, kind: str, channel: str, recipient: str) -> str:
    """A stable key per (incident or plan, kind, recipient): the same inputs, the same key.

    Hashed so that keys, which appear in logs and job ids, never carry a phone number.
    """
    raw = "\x1f".join((scope, kind, channel, recipient)).encode()
    return f"{kind}-{channel}-{hashlib.blake2b(raw, digest_size=12).hexdigest()}"


def alert_messages(incident: Incident, plan: Plan, numbers: Mapping[str, int], sites: Sites,
                   links: Sequence[Link] = ()) -> list[Outbound]:
    """The alert SMS for every paged phone (`numbers` maps phone -> short number) and the posts.

    `links` are open incidents nearby in time and space: the alert warns of retaliation.
    """
    warning = linked_line(links[0].hours, links[0].distance_m) if links else ""
    messages = [
        Outbound(
            key=delivery_key(incident.id, "alert", "sms", person.phone),
            incident_id=incident.id, kind="alert", channel="sms", recipient=person.phone,
            body=render_alert_sms(incident, numbers[person.phone], sites.tz,
                                  unrouted=plan.unrouted, warning=warning),
            recipient_name=person.name, team_id=person.team_id,
        )
        for person in plan.recipients
    ]
    names = {team.id: team.name for team in sites.teams}
    for post in plan.posts:
        teams = tuple(TeamState(r.team_id, names.get(r.team_id, r.team_id), r.reason)
                      for r in plan.routes if r.team_id in post.team_ids)
        message = incident_post(PostState(incident, teams=teams, warning=warning), sites.tz,
                                post.team_ids[0] if post.team_ids else None)
        messages.append(Outbound(
            key=delivery_key(incident.id, "alert", "slack", post.channel),
            incident_id=incident.id, kind="alert", channel="slack", recipient=post.channel,
            body=message.text, blocks=message.blocks,
            team_id=post.team_ids[0] if post.team_ids else None,
        ))
    return messages


def next_number(in_use: set[int]) -> int:
    """The smallest positive short number not among a member's open alerts."""
    number = 1
    while number in in_use:
        number += 1
    return number
