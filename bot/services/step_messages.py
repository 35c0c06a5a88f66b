"""The texts, calls and posts one chain step sends: who gets which, on which channel, saying what."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.chains import ChainStep
from alerts.contacts import Contact, ways_taken
from alerts.incident import Incident
from alerts.outbound import Outbound, delivery_key
from alerts.routing import Recipient
from alerts.sites import Sites, Team
from alerts.slack_blocks import PostState, TeamState, incident_post
from alerts.sos import last_scene_of, raiser, sos_sms
from alerts.staff_texts import (
    checkin_sms,
    checkout_overdue_sms,
    escalation_sms,
    followup_overdue_sms,
)
from alerts.voice_texts import alert_call, checkout_call, escalation_call, sos_call
from bot.store.chains import Chain


def delivery_kind(chain: Chain, step: ChainStep) -> str:
    """What a step's deliveries are, in the outbox and the delivery counts."""
    if chain.kind == "followup":
        return "checkin" if step.action == "checkin" else "followup-escalation"
    if chain.kind in ("checkout", "sos"):
        return chain.kind
    return "repage" if step.action == "repage" else "escalation"


@dataclass(frozen=True)
class StepMessages:
    """Builds a step's deliveries, each keyed once per (chain step, channel, person)."""

    sites: Sites

    def build(self, chain: Chain, subject: Incident, step: ChainStep, team: Team | None,
              people: Sequence[Recipient], numbers: Mapping[str, int],
              now: datetime) -> list[Outbound]:
        """One delivery per person and channel the step reaches them on."""
        scope = f"{chain.incident_id}:chain:{chain.id}:{chain.next_step}"
        kind = delivery_kind(chain, step)
        team_name = team.name if team else "coordinators"
        messages = [Outbound(
            key=delivery_key(scope, kind, channel, person.phone), incident_id=chain.incident_id,
            kind=kind, channel=channel, recipient=person.phone, recipient_name=person.name,
            team_id=person.team_id,
            body=(self._call if channel == "voice" else self._text)(
                chain, step, subject, numbers[person.phone], team_name, now))
            for person in people for channel in self.channels(step, person, team)]
        if step.action in ("coordinators", "others") and self.sites.coordinators_channel:
            messages.append(self._coordinators_post(chain, subject, scope, kind, team, now))
        return messages

    def channels(self, step: ChainStep, person: Recipient, team: Team | None) -> list[Contact]:
        """The step's methods that the person takes: a member who listed only sms is not called
        (coordinators take whatever the step says)."""
        member = next((m for m in team.members if m.phone == person.phone), None) if team else None
        return ways_taken(step.via, member.contact if member else None)

    def _text(self, chain: Chain, step: ChainStep, subject: Incident, number: int,
              team_name: str, now: datetime) -> str:
        tz = self.sites.tz
        if chain.kind == "sos":
            member = raiser(self.sites, chain.subject)
            waited = int((now - chain.started_at).total_seconds() // 60)
            return sos_sms(subject, number, member.name, member.team_name, max(waited, 1))
        if chain.kind in ("alert", "repage"):
            return escalation_sms(subject, number, now - chain.started_at, team_name, tz)
        if chain.kind == "checkout":
            return checkout_overdue_sms(subject, number, self._who(chain), chain.started_at, tz)
        label = chain.subject  # "24h": when the follow-up is, after the shooting
        if step.action == "checkin":
            return checkin_sms(subject, number, label, tz)
        return followup_overdue_sms(subject, number, label, team_name)

    def _call(self, chain: Chain, step: ChainStep, subject: Incident, number: int,
              team_name: str, now: datetime) -> str:
        tz = self.sites.tz
        if chain.kind == "sos":
            member = raiser(self.sites, chain.subject)
            return sos_call(member.name, member.team_name, subject.title or "",
                            last_scene_of(subject))
        if chain.kind == "checkout":
            return checkout_call(subject, number, self._who(chain), chain.started_at, tz)
        if step.action == "repage":
            return alert_call(subject, number, team_name, tz)
        return escalation_call(subject, number, now - chain.started_at, team_name, tz)

    def _who(self, chain: Chain) -> str:
        return next((m.name for t in self.sites.teams for m in t.members
                     if m.phone == chain.subject), "a team member")

    def _coordinators_post(self, chain: Chain, subject: Incident, scope: str, kind: str,
                           team: Team | None, now: datetime) -> Outbound:
        waited = int((now - chain.started_at).total_seconds() // 60)
        warning = f"Escalated to the coordinators: no answer after {waited} min"
        teams = (TeamState(team.id, team.name, "not answered"),) if team else ()
        post = incident_post(PostState(subject, teams=teams, warning=warning), self.sites.tz,
                             team.id if team else None)
        channel = self.sites.coordinators_channel or ""
        return Outbound(key=delivery_key(scope, kind, "slack", channel),
                        incident_id=chain.incident_id, kind=kind, channel="slack",
                        recipient=channel, body=post.text, blocks=post.blocks)
