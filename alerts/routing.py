"""Routing: which teams an incident belongs to, and who is told, by which channel.

`route(incident, sites, now) -> Plan` is pure. The rules, in order:

1. A point inside (or within `buffer_m` of) a team's geofence routes to that team. With no
   usable coordinates, the incident's precinct routes to every team with `precinct:N`.
2. A team whose `hospitals` include the incident's hospital is routed too, for its hospital
   responders only (they meet the victim there, wherever the shooting was).
3. In each routed team, every member on shift is paged except supervisors, who come in at
   escalation; time off (OFF) and covers (`/cms cover`) override the shifts while they last.
   If nobody but supervisors is on shift, the supervisors are paged now; if the team has nobody
   at all, the coordinators are, so that no routed alert reaches no one.
   A member resting after a fatal response (alerts.rest; `resting`, by phone) is left out, and
   paged only when nobody else on the team would be: before the off-shift supervisors.
4. A team whose `types` leave out the incident's type is not routed (`declined`, for the
   timeline), by catchment or by hospital.
5. An incident no team catches goes to the coordinators (SMS and their Slack channel).
6. Each phone is paged once per incident and each channel posted once, whatever the overlap.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.incident import Incident
from alerts.overrides import covering, on_duty
from alerts.sites import Member, Sites, Team


@dataclass(frozen=True)
class TeamRoute:
    """A team the incident was routed to, and why (for the timeline and the Slack post)."""

    team_id: str
    reason: str
    hospital_only: bool = False


@dataclass(frozen=True)
class Recipient:
    """Someone paged by SMS for this incident."""

    phone: str
    name: str
    role: str
    team_id: str | None
    reason: str


def texted_others(sender: str, people: Sequence[Recipient]) -> list[Recipient]:
    """`people` once each, without the `sender` (nobody is told of their own message) and
    without the Slack-only (no phone: they read the post)."""
    unique: dict[str, Recipient] = {}
    for person in people:
        if person.phone != sender and person.phone.startswith("+"):
            unique.setdefault(person.phone, person)
    return list(unique.values())


@dataclass(frozen=True)
class Post:
    """A Slack channel that gets the alert post, and the teams it speaks for."""

    channel: str
    team_ids: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """Everything the alert path will do for one incident."""

    incident_id: str
    routes: tuple[TeamRoute, ...]
    recipients: tuple[Recipient, ...]
    posts: tuple[Post, ...]
    off_shift: tuple[Recipient, ...] = ()
    # Teams whose catchment held the incident but which take no incident of its type.
    declined: tuple[str, ...] = ()

    @property
    def team_ids(self) -> tuple[str, ...]:
        """The ids of the routed teams, sorted."""
        return tuple(sorted(route.team_id for route in self.routes))

    @property
    def unrouted(self) -> bool:
        """True when no team's catchment holds the incident: it went to the coordinators."""
        return not self.routes


def route(incident: Incident, sites: Sites, now: datetime,
          resting: Collection[str] = frozenset()) -> Plan:
    """Decide which teams and people an incident goes to at time `now` (timezone-aware);
    `resting`: the phones of members resting after a fatal response (alerts.rest)."""
    found = _catchment_routes(incident, sites) + _hospital_routes(incident, sites)
    routes = [r for r in found if sites.team(r.team_id).takes(incident.type)]
    declined = tuple(dict.fromkeys(r.team_id for r in found if r not in routes))
    return plan_routes(incident, sites, now, routes, declined, resting)


def plan_routes(incident: Incident, sites: Sites, now: datetime,
                routes: Sequence[TeamRoute], declined: tuple[str, ...] = (),
                resting: Collection[str] = frozenset()) -> Plan:
    """The plan for some of `route`'s routes only: the teams an update or an assignment adds
    to a known incident are paged by the same rules (none given: the coordinators, as for no
    catchment). `declined`: teams whose catchment held it but which take no incident of its
    type; `resting`: as for `route`."""
    routes = list(routes)
    local = now.astimezone(sites.tz)
    recipients: list[Recipient] = []
    off_shift: list[Recipient] = []
    for team_route in routes:
        team = sites.team(team_route.team_id)
        paged, spared = _page_team(team, team_route, sites, now, local, resting)
        recipients += paged or _coordinators(sites, f"{team.id}: nobody on shift")
        off_shift += spared
    if not routes:
        recipients = _coordinators(sites, f"no team there takes {incident.type} incidents"
                                   if declined else "no team catchment holds this incident")
    return Plan(
        incident_id=incident.id,
        routes=tuple(routes),
        recipients=_unique(recipients),
        posts=_posts(routes, sites),
        off_shift=_unique(off_shift),
        declined=declined,
    )


def _catchment_routes(incident: Incident, sites: Sites) -> list[TeamRoute]:
    if incident.lat is not None and incident.lon is not None:
        hits = sites.index.match(incident.lat, incident.lon)
        return [TeamRoute(hit.team_id, f"inside {hit.fence_id}" if hit.distance_m == 0
                          else f"{hit.distance_m:.0f} m from {hit.fence_id}") for hit in hits]
    if incident.precinct is not None:
        return [TeamRoute(team_id, f"precinct {incident.precinct} (no coordinates)")
                for team_id in sites.precinct_teams.get(incident.precinct, ())]
    return []


def _hospital_routes(incident: Incident, sites: Sites) -> list[TeamRoute]:
    if not incident.hospital:
        return []
    routed = {route.team_id for route in _catchment_routes(incident, sites)}
    wanted = _fold(incident.hospital)
    return [
        TeamRoute(team.id, f"victim taken to {incident.hospital}", hospital_only=True)
        for team in sites.teams
        if team.id not in routed and any(m.role == "hospital" for m in team.members)
        and any(_fold(h) and _fold(h) in wanted for h in team.hospitals)
    ]


def _page_team(team: Team, team_route: TeamRoute, sites: Sites, now: datetime, local: datetime,
               resting: Collection[str] = frozenset()) -> tuple[list[Recipient], list[Recipient]]:
    eligible = [m for m in team.members if m.role == "hospital"] if team_route.hospital_only \
        else list(team.members)
    # One pass, each member placed once: a team of hundreds must not cost its square.
    off: list[Recipient] = []
    first: list[Member] = []
    supervisors: list[Member] = []
    for m in eligible:
        if not on_duty(m.name, m.shifts, team.id, sites.overrides, now, local):
            off.append(_recipient(m, team, "off shift"))
        elif m.role != "supervisor" or covering(m.name, team.id, sites.overrides, now):
            first.append(m)  # supervisors come in at escalation, unless covering a shift
        else:
            supervisors.append(m)
    tired_first = [m for m in first if m.phone in resting]
    tired = tired_first + [m for m in supervisors if m.phone in resting]
    if awake := [m for m in first if m.phone not in resting]:
        return [_recipient(m, team, "on shift") for m in awake], off + _spared(tired_first, team)
    if awake := [m for m in supervisors if m.phone not in resting]:
        return [_recipient(m, team, "nobody else on shift") for m in awake], \
            off + _spared(tired, team)
    # Rest is a kindness, not a gap: with nobody else on, the resting are paged after all,
    # before supervisors who are off shift.
    if tired:
        return [_recipient(m, team, "resting after a fatal response, nobody else on")
                for m in tired_first or tired], off
    return [_recipient(m, team, "nobody else on shift") for m in team.supervisors], off


def _spared(members: list[Member], team: Team) -> list[Recipient]:
    return [_recipient(m, team, "resting after a fatal response") for m in members]


def team_recipients(team: Team, sites: Sites, now: datetime) -> list[Recipient]:
    """Who a team-wide message reaches now: the same people an alert would, by the same rules."""
    paged, _ = _page_team(team, TeamRoute(team.id, "team message"), sites, now,
                          now.astimezone(sites.tz))
    return paged or _coordinators(sites, f"{team.id}: nobody on shift")


def _recipient(member: Member, team: Team, reason: str) -> Recipient:
    return Recipient(member.phone, member.name, member.role, team.id, reason)


def _coordinators(sites: Sites, reason: str) -> list[Recipient]:
    return [Recipient(c.phone, c.name, "coordinator", None, reason)
            for c in sites.coordinators if c.phone]


def _posts(routes: list[TeamRoute], sites: Sites) -> tuple[Post, ...]:
    channels: dict[str, list[str]] = {}
    for team_route in routes:
        channel = sites.team(team_route.team_id).slack_channel
        if channel:
            channels.setdefault(channel, []).append(team_route.team_id)
    if not routes and sites.coordinators_channel:
        channels[sites.coordinators_channel] = []
    return tuple(Post(channel, tuple(teams)) for channel, teams in channels.items())


def _unique(recipients: list[Recipient]) -> tuple[Recipient, ...]:
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.phone, recipient)
    return tuple(seen.values())


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("hospital", " ").split())
