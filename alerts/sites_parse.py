"""Turn the sites file (already read as plain YAML data) into `Sites`, collecting every problem.

The caller reads the YAML and the GeoJSON layers it names; this module only checks and builds,
so `cmsbot sites check` can report all problems at once with their place in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import cast

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from alerts.contacts import DEFAULT_CONTACT, SMS_ONLY, Contact, ContactError, parse_contact
from alerts.durations import DurationError, parse_duration
from alerts.feeds import parse_sources
from alerts.geofence import Fence, GeofenceIndex, Projection, circle, repair
from alerts.incident_types import TypeProblem, parse_extra_types, parse_team_types
from alerts.phone import PhoneError, normalise
from alerts.playbooks import PlaybookError, PlaybookStep, parse_step
from alerts.privacy import PROMISE, private_details, refusal
from alerts.roster import Roster
from alerts.rotation_specs import parse_rotations
from alerts.routine_hours import (
    DEFAULT_ROUTINE_STEPS,
    RoutineHours,
    RoutineHoursError,
    RoutineStep,
    parse_routine_hours,
)
from alerts.shifts import ShiftError, parse_shift
from alerts.shown import shown
from alerts.sites import (
    ROLES,
    Coordinator,
    Escalation,
    EscalationStep,
    Member,
    Notify,
    Role,
    Sites,
    Team,
)
from alerts.zones import Zone, zones_from_layer

TEAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}\Z")
SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,20}\Z")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}\Z")
_TOP_KEYS = {"geofence_layers", "coordinators", "coordinators_channel", "teams",
             "takedown_playbooks", "resident_support", "incident_types",
             "sources", "rotations"}
_TEAM_KEYS = {"id", "name", "slack_channel", "geofences", "buffer_m", "members", "hospitals",
              "escalation", "followups", "safety_checkout", "resident_notices", "resident_delay",
              "resources", "routine_hours", "routine_escalation", "checkout_escalation",
              "repage_after", "types", "rest_after_fatal"}
_MEMBER_KEYS = {"name", "phone", "role", "languages", "shifts", "slack_user", "contact"}
_NOTIFY: tuple[Notify, ...] = ("supervisor", "coordinators", "team")

# One layer's features by id, in lon/lat; or, when it could not be read, why not.
Layers = Mapping[str, Mapping[str, BaseGeometry] | str]


@dataclass(frozen=True)
class SiteProblem:
    """One problem in the sites file; `where` is a path like `teams[1].members[0].phone`."""

    where: str
    message: str


class SitesError(ValueError):
    """The sites file has problems; all of them are in `problems`."""

    def __init__(self, problems: Sequence[SiteProblem]) -> None:
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in problems))
        self.problems = tuple(problems)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[SiteProblem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(SiteProblem(where, message))

    def unknown_keys(self, where: str, data: Mapping[str, object], known: set[str]) -> None:
        for key in data:
            if key not in known:
                name = str(key) if str(key).strip() else repr(key)  # a blank key, shown as ''
                self.add(f"{where}.{name}" if where else name,
                         f"unknown key; expected one of {', '.join(sorted(known))}")


def parse_sites(data: object, layers: Layers, tz: tzinfo, projection: Projection | None = None,
                names: Mapping[str, Mapping[str, str]] | None = None) -> Sites:
    """Build `Sites` from YAML data and loaded layers, or raise SitesError listing every problem.

    `tz` is the city's time zone, in which shifts are read; `names` holds each layer's
    feature names (from its `name_property`), which residents type to join an area.
    """
    projection = projection or Projection()
    out = _Collector()
    if not isinstance(data, Mapping):
        raise SitesError([SiteProblem("(top)", "the sites file must be a YAML mapping of teams, "
                                               "coordinators and the rest")])
    out.unknown_keys("", data, _TOP_KEYS)
    layer_fences = {name: _project_layer(features, projection)
                    for name, features in layers.items() if not isinstance(features, str)}
    for name, features in layers.items():
        if isinstance(features, str):
            out.add(f"geofence_layers.{name}.path", features)
    coordinators = tuple(_coordinators(data.get("coordinators"), out))
    channel = data.get("coordinators_channel")
    if channel is not None and not (isinstance(channel, str) and SLACK_CHANNEL.match(channel)):
        out.add("coordinators_channel",
                f"must be a Slack channel id like C0123ABCD, not {shown(channel)}")
    incident_types, type_problems = parse_extra_types(data.get("incident_types"))
    _type_problems("incident_types", type_problems, out)
    teams_data = data.get("teams")
    if not isinstance(teams_data, list) or not teams_data:
        out.add("teams", "must be a non-empty list of teams")
        teams_data = []
    entries: list[tuple[str, Fence, float]] = []
    teams: list[Team] = []
    places: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(teams_data):
        team = _team(f"teams[{i}]", raw, out, layers, layer_fences, projection, entries,
                     incident_types)
        if team is None:
            continue
        if team.id in seen:
            out.add(f"teams[{i}].id", f"duplicate team id {team.id!r}")
        seen.add(team.id)
        teams.append(team)
        places.append(f"teams[{i}]")
    hospitals = tuple(h for team in teams for h in team.hospitals)
    for where, team in zip(places, teams, strict=True):
        for j, resource in enumerate(team.resources):
            _private(f"{where}.resources[{j}]", "resources reach residents in area notices",
                     resource, hospitals, out)
    playbooks = _playbooks(data.get("takedown_playbooks"), hospitals, out)
    sources = parse_sources(data.get("sources"), out.add)
    rotations = parse_rotations(data.get("rotations"), [team.id for team in teams], out.add)
    if out.problems:
        raise SitesError(out.problems)
    return Sites(
        teams=tuple(teams),
        coordinators=coordinators,
        index=GeofenceIndex(projection, entries),
        zones=tuple(_zones(layer_fences, names or {})),
        shapes=_shapes(layer_fences, entries),
        precinct_teams=_precinct_teams(teams),
        coordinators_channel=cast(str | None, channel),
        tz=tz,
        layers=tuple(sorted(layers)),
        playbooks=playbooks,
        incident_types=incident_types,
        sources=sources,
        rotations=rotations,
    )


def parse_roster(data: object, team_ids: Sequence[str]) -> Roster:
    """The people of a sites file (its coordinators and each team's members), or raise
    SitesError listing every problem; the other keys are the sites file's and are not read.

    `team_ids`: the teams the loaded sites file defines; people of any other team are refused.
    """
    out = _Collector()
    if not isinstance(data, Mapping):
        raise SitesError([SiteProblem("(top)", "a roster file is a YAML mapping with "
                                               "coordinators: and teams:")])
    coordinators = tuple(_coordinators(data.get("coordinators"), out))
    teams: dict[str, tuple[Member, ...]] = {}
    for i, raw in enumerate(_list(data.get("teams"), "teams", out)):
        team_id = raw.get("id") if isinstance(raw, Mapping) else None
        if not isinstance(team_id, str) or team_id not in team_ids:
            out.add(f"teams[{i}].id", f"{shown(team_id)} is not a team of the sites file; "
                    "add the team (its geofences) there first")
            continue
        if team_id in teams:
            out.add(f"teams[{i}].id", f"duplicate team id {team_id!r}")
        assert isinstance(raw, Mapping)
        members = tuple(_members(f"teams[{i}]", raw.get("members"), out))
        names = [member.name.casefold() for member in members]
        for k, name in enumerate(names):
            if name in names[:k]:
                # Roster commands name a member: two of one name could not be told apart.
                out.add(f"teams[{i}].members[{k}].name", f"{members[k].name!r} is already "
                        "a member of this team; give each a distinct name")
        teams[team_id] = members
    if out.problems:
        raise SitesError(out.problems)
    return Roster({team_id: teams.get(team_id, ()) for team_id in team_ids}, coordinators)


def _type_problems(where: str, problems: Sequence[TypeProblem], out: _Collector) -> None:
    for index, message in problems:
        out.add(where if index is None else f"{where}[{index}]", message)


def _private(where: str, what: str, text: str, hospitals: Sequence[str],
             out: _Collector) -> None:
    """Words residents receive from the sites file keep the privacy promise, checked at load."""
    findings = private_details(text, hospitals)
    if findings:
        out.add(where, f"{what}, and {PROMISE}: {refusal(findings)}")


def _playbooks(raw: object, hospitals: Sequence[str],
               out: _Collector) -> dict[str, tuple[PlaybookStep, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        out.add("takedown_playbooks", "must map playbook names to lists of steps")
        return {}
    playbooks: dict[str, tuple[PlaybookStep, ...]] = {}
    for name, steps in raw.items():
        where = f"takedown_playbooks.{name}"
        parsed: list[PlaybookStep] = []
        for i, step in enumerate(_list(steps, where, out)):
            if not isinstance(step, Mapping):
                out.add(f"{where}[{i}]", "a step is {at: 1d 10:00, to: team, text: ...}")
                continue
            out.unknown_keys(f"{where}[{i}]", step, {"at", "to", "text"})
            try:
                parsed.append(parse_step(step))
            except PlaybookError as exc:
                out.add(f"{where}[{i}]", str(exc))
                continue
            if parsed[-1].audience == "residents":
                _private(f"{where}[{i}].text", f"playbook {str(name)!r} sends this step to residents",
                         parsed[-1].text, hospitals, out)
        if not parsed and not any(p.where.startswith(where) for p in out.problems):
            out.add(where, "a playbook needs at least one step")
        playbooks[str(name)] = tuple(parsed)
    return playbooks


def _zones(layer_fences: Mapping[str, Mapping[str, Fence]],
           names: Mapping[str, Mapping[str, str]]) -> list[Zone]:
    zones: list[Zone] = []
    if "zip" in layer_fences:
        # A ZIP area is called by its code; a MODZCTA-style name ("10001, 10118") lists the
        # other ZIP codes it stands for, which residents may type too.
        labels = names.get("zip", {})
        aliases = {key: [part.strip() for part in labels.get(key, "").split(",") if part.strip()]
                   for key in layer_fences["zip"]}
        zones += zones_from_layer("zip", {key: key for key in layer_fences["zip"]}, aliases)
    if "nta" in layer_fences:
        labels = names.get("nta", {})
        zones += zones_from_layer("nta", {key: labels.get(key, key) for key in layer_fences["nta"]})
    return zones


def _shapes(layer_fences: Mapping[str, Mapping[str, Fence]],
            entries: Sequence[tuple[str, Fence, float]]) -> dict[str, BaseGeometry]:
    shapes = {f"{layer}:{key}": fence.geometry
              for layer, fences in layer_fences.items() for key, fence in fences.items()}
    by_team: dict[str, list[BaseGeometry]] = {}
    for team_id, fence, _buffer in entries:
        by_team.setdefault(team_id, []).append(fence.geometry)
    shapes.update({f"team:{team}": shapely.union_all(parts) for team, parts in by_team.items()})
    return shapes


def _project_layer(features: Mapping[str, BaseGeometry], projection: Projection) -> dict[str, Fence]:
    return {key: Fence(key, projection.project(geometry)) for key, geometry in features.items()}


def _coordinators(raw: object, out: _Collector) -> list[Coordinator]:
    if raw is None:
        out.add("coordinators", "is required: list at least one coordinator (name and phone "
                "or slack_user); incidents no team covers go to them")
        return []
    if not isinstance(raw, list):
        out.add("coordinators", "must be a list")
        return []
    result = []
    for i, item in enumerate(raw):
        where = f"coordinators[{i}]"
        if not isinstance(item, Mapping):
            out.add(where, "must be a mapping with name, phone and/or slack_user")
            continue
        out.unknown_keys(where, item, {"name", "phone", "slack_user"})
        name = _text(item, "name", where, out)
        phone = _phone(item.get("phone"), f"{where}.phone", out) if item.get("phone") else None
        user = _slack_user(item.get("slack_user"), f"{where}.slack_user", out)
        if not item.get("phone") and item.get("slack_user") is None:
            # Only when neither is written: a bad one is already named at its own key.
            out.add(where, "give a phone, a slack_user, or both")
        result.append(Coordinator(name, phone, user))
    return result


def _team(where: str, raw: object, out: _Collector, layers: Layers,
          layer_fences: Mapping[str, Mapping[str, Fence]], projection: Projection,
          entries: list[tuple[str, Fence, float]],
          incident_types: Sequence[str]) -> Team | None:
    if not isinstance(raw, Mapping):
        out.add(where, "must be a mapping")
        return None
    types, type_problems = parse_team_types(raw.get("types"), incident_types)
    _type_problems(f"{where}.types", type_problems, out)
    out.unknown_keys(where, raw, _TEAM_KEYS)
    team_id = raw.get("id")
    if not isinstance(team_id, str) or not TEAM_ID.match(team_id):
        out.add(f"{where}.id", "must be lower-case letters, digits and dashes, e.g. man-up-eny"
                + ("" if team_id is None else f", not {shown(team_id)}"))
        team_id = f"?{where}"
    channel = raw.get("slack_channel")
    if channel is not None and not (isinstance(channel, str) and SLACK_CHANNEL.match(channel)):
        out.add(f"{where}.slack_channel",
                f"must be a Slack channel id like C075ENY, not {shown(channel)}")
        channel = None
    buffer_m = raw.get("buffer_m", 0)
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, int | float) or not 0 <= buffer_m <= 5000:
        out.add(f"{where}.buffer_m",
                f"must be a number of metres between 0 and 5000, not {shown(buffer_m)}")
        buffer_m = 0
    fences = _fences(where, team_id, raw.get("geofences"), out, layers, layer_fences, projection)
    entries.extend((team_id, fence, float(buffer_m)) for fence in fences)
    members = _members(where, raw.get("members"), out)
    return Team(
        id=team_id,
        name=_text(raw, "name", where, out),
        members=tuple(members),
        geofences=tuple(fence.id for fence in fences),
        slack_channel=channel,
        buffer_m=float(buffer_m),
        hospitals=tuple(str(h) for h in _list(raw.get("hospitals"), f"{where}.hospitals", out)),
        escalation=_escalation(f"{where}.escalation", raw.get("escalation"), out),
        followups=tuple(_durations(f"{where}.followups", raw.get("followups", ["24h", "72h"]), out)),
        routine_hours=_routine_hours(f"{where}.routine_hours", raw.get("routine_hours"), out),
        routine_escalation=_routine_escalation(f"{where}.routine_escalation",
                                               raw.get("routine_escalation"), out),
        safety_checkout=_duration(f"{where}.safety_checkout", raw.get("safety_checkout", "90m"),
                                  out) or timedelta(minutes=90),
        checkout_escalation=_duration(f"{where}.checkout_escalation",
                                      raw.get("checkout_escalation", "15m"), out)
        or timedelta(minutes=15),
        repage_after=_repage_after(f"{where}.repage_after", raw.get("repage_after", "3m"), out),
        resident_notices=_flag(raw, "resident_notices", where, out),
        resident_delay=_duration(f"{where}.resident_delay", raw.get("resident_delay", "30m"),
                                 out) or timedelta(minutes=30),
        resources=tuple(str(r) for r in _list(raw.get("resources"), f"{where}.resources", out)),
        types=types,
        rest_after_fatal=_duration(f"{where}.rest_after_fatal",
                                   raw.get("rest_after_fatal", "12h"), out) or timedelta(hours=12),
    )


def _fences(where: str, team_id: str, raw: object, out: _Collector, layers: Layers,
            layer_fences: Mapping[str, Mapping[str, Fence]], projection: Projection) -> list[Fence]:
    items = _list(raw, f"{where}.geofences", out)
    if not items:
        out.add(f"{where}.geofences", "list at least one geofence, e.g. precinct:75")
    fences: list[Fence] = []
    for j, item in enumerate(items):
        spot = f"{where}.geofences[{j}]"
        if isinstance(item, str):
            layer, _, key = item.partition(":")
            if layer not in layers:
                known = ", ".join(sorted(layers)) or "none declared"
                out.add(spot, f"unknown layer {layer!r} (geofence_layers: {known})")
            elif layer in layer_fences:  # a layer that failed to load is reported once, above
                fence = _layer_fence(layer_fences[layer], key)
                if fence is None:
                    out.add(spot, f"layer {layer!r} has no feature with id {key!r}")
                else:
                    fences.append(Fence(f"{layer}:{fence.id}", fence.geometry))
        elif isinstance(item, Mapping) and "circle" in item:
            fence = _circle(spot, f"circle:{team_id}:{j}", item["circle"], out, projection)
            if fence:
                fences.append(fence)
        elif isinstance(item, Mapping) and ("polygon" in item or "type" in item):
            fence = _inline(spot, f"inline:{team_id}:{j}", item.get("polygon", item), out, projection)
            if fence:
                fences.append(fence)
        else:
            out.add(spot, "must be 'layer:id', {circle: {lat, lon, radius_m}} or {polygon: GeoJSON}")
    return fences


def _layer_fence(features: Mapping[str, Fence], key: str) -> Fence | None:
    if key in features:
        return features[key]
    folded = {name.casefold(): fence for name, fence in features.items()}
    return folded.get(key.casefold())


def _circle(spot: str, fence_id: str, raw: object, out: _Collector,
            projection: Projection) -> Fence | None:
    if not isinstance(raw, Mapping) or not all(
        isinstance(raw.get(k), int | float) and not isinstance(raw.get(k), bool)
        for k in ("lat", "lon", "radius_m")
    ):
        out.add(spot, "a circle needs numeric lat, lon and radius_m")
        return None
    # Compared before float(), which overflows on an integer like 10**400 (YAML allows it).
    lat, lon, radius = raw["lat"], raw["lon"], raw["radius_m"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 20_000):
        out.add(spot, "a circle needs a real lat/lon and a radius_m between 0 and 20000")
        return None
    return circle(fence_id, float(lat), float(lon), float(radius), projection)


def _inline(spot: str, fence_id: str, raw: object, out: _Collector,
            projection: Projection) -> Fence | None:
    if not isinstance(raw, Mapping):
        out.add(spot, "an inline geofence must be a GeoJSON Polygon or MultiPolygon mapping")
        return None
    try:
        geometry = shape(dict(raw))
    except (AttributeError, TypeError, ValueError, KeyError, shapely.errors.ShapelyError) as exc:
        out.add(spot, f"not a GeoJSON polygon: {exc}")
        return None
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or geometry.is_empty:
        out.add(spot, f"an inline geofence must be a Polygon or MultiPolygon, not {geometry.geom_type}")
        return None
    repaired, _ = repair(geometry)
    return Fence(fence_id, projection.project(repaired))


def _members(where: str, raw: object, out: _Collector) -> list[Member]:
    members: list[Member] = []
    phones: set[str] = set()
    for k, item in enumerate(_list(raw, f"{where}.members", out)):
        spot = f"{where}.members[{k}]"
        if not isinstance(item, Mapping):
            out.add(spot, "must be a mapping with name, phone and role")
            continue
        out.unknown_keys(spot, item, _MEMBER_KEYS)
        phone = _phone(item.get("phone"), f"{spot}.phone", out)
        if phone and phone in phones:
            out.add(f"{spot}.phone", "the same phone is listed twice in this team")
        phones.add(phone or "")
        role = item.get("role", "interrupter")
        if role not in ROLES:
            out.add(f"{spot}.role", f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
            role = "interrupter"
        shifts = []
        for s, text in enumerate(_list(item.get("shifts"), f"{spot}.shifts", out)):
            try:
                shifts.append(parse_shift(str(text)))
            except ShiftError as exc:
                out.add(f"{spot}.shifts[{s}]", str(exc))
        languages = tuple(str(lang).lower() for lang in _list(item.get("languages", ["en"]),
                                                              f"{spot}.languages", out))
        members.append(Member(
            name=_text(item, "name", spot, out), phone=phone or "", role=cast(Role, role),
            languages=languages or ("en",), shifts=tuple(shifts),
            slack_user=_slack_user(item.get("slack_user"), f"{spot}.slack_user", out),
            contact=_contact(f"{spot}.contact", item.get("contact", list(DEFAULT_CONTACT)), out),
        ))
    return members


def _contact(where: str, raw: object, out: _Collector, *, need_sms: bool = True,
             ) -> tuple[Contact, ...]:
    try:
        return parse_contact(raw, need_sms=need_sms)
    except ContactError as exc:
        out.add(where, str(exc))
        return DEFAULT_CONTACT if need_sms else SMS_ONLY


def _repage_after(where: str, raw: object, out: _Collector) -> timedelta | None:
    """A duration, or `off` (false) for a team that wants no calls."""
    if raw is False or (isinstance(raw, str) and raw.strip().lower() in ("off", "never")):
        return None
    return _duration(where, raw, out) or timedelta(minutes=3)


def _escalation(where: str, raw: object, out: _Collector) -> Escalation:
    if raw is None:
        return Escalation()
    if not isinstance(raw, Mapping):
        out.add(where, "must be a mapping with required_acks and steps")
        return Escalation()
    out.unknown_keys(where, raw, {"required_acks", "steps"})
    acks = raw.get("required_acks", 1)
    if isinstance(acks, bool) or not isinstance(acks, int) or not 1 <= acks <= 20:
        out.add(f"{where}.required_acks", f"must be a whole number from 1 to 20, not {shown(acks)}")
        acks = 1
    steps = []
    for i, step in enumerate(_list(raw.get("steps"), f"{where}.steps", out)):
        spot = f"{where}.steps[{i}]"
        if not isinstance(step, Mapping) or step.get("notify") not in _NOTIFY:
            out.add(spot, f"needs after: DURATION and notify: one of {', '.join(_NOTIFY)}")
            continue
        out.unknown_keys(spot, step, {"after", "notify", "via"})
        after = _duration(f"{spot}.after", step.get("after"), out)
        via = _contact(f"{spot}.via", step.get("via", ["sms"]), out, need_sms=False)
        if after:
            steps.append(EscalationStep(after, cast(Notify, step["notify"]), via))
    return Escalation(required_acks=acks, steps=tuple(sorted(steps, key=lambda s: s.after)))


def _routine_hours(where: str, raw: object, out: _Collector) -> RoutineHours:
    if raw is None:
        return RoutineHours()
    try:
        return parse_routine_hours(raw)
    except RoutineHoursError as exc:
        out.add(where, str(exc))
        return RoutineHours()


def _routine_escalation(where: str, raw: object, out: _Collector) -> tuple[RoutineStep, ...]:
    """`{steps: [{after: 2h, notify: supervisor}, {after: next-opening, notify: coordinators}]}`."""
    if raw is None:
        return DEFAULT_ROUTINE_STEPS
    if not isinstance(raw, Mapping):
        out.add(where, "must be a mapping with steps")
        return DEFAULT_ROUTINE_STEPS
    out.unknown_keys(where, raw, {"steps"})
    steps: list[RoutineStep] = []
    for i, step in enumerate(_list(raw.get("steps"), f"{where}.steps", out)):
        spot = f"{where}.steps[{i}]"
        if not isinstance(step, Mapping) or step.get("notify") not in _NOTIFY:
            out.add(spot, "needs after: DURATION or next-opening, and notify: one of "
                    + ", ".join(_NOTIFY))
            continue
        out.unknown_keys(spot, step, {"after", "notify"})
        notify = cast(Notify, step["notify"])
        if step.get("after") == "next-opening":
            steps.append(RoutineStep(None, notify))
            continue
        after = _duration(f"{spot}.after", step.get("after"), out)
        if after:
            steps.append(RoutineStep(after, notify))
    # Written in order: a next-opening step counts from the step before it.
    return tuple(steps)


def _durations(where: str, raw: object, out: _Collector) -> list[timedelta]:
    found = (_duration(f"{where}[{i}]", item, out) for i, item in enumerate(_list(raw, where, out)))
    return [duration for duration in found if duration is not None]


def _duration(where: str, raw: object, out: _Collector) -> timedelta | None:
    """One duration, or None with the problem reported at `where` itself."""
    try:
        return parse_duration(raw)
    except DurationError as exc:
        out.add(where, str(exc))
        return None


def _precinct_teams(teams: Sequence[Team]) -> dict[int, tuple[str, ...]]:
    result: dict[int, list[str]] = {}
    for team in teams:
        for fence_id in team.geofences:
            layer, _, key = fence_id.partition(":")
            if layer == "precinct" and key.isdigit():
                result.setdefault(int(key), []).append(team.id)
    return {precinct: tuple(ids) for precinct, ids in result.items()}


def _list(raw: object, where: str, out: _Collector) -> list[object]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        out.add(where, "must be a list")
        return []
    return raw


def _flag(data: Mapping[str, object], key: str, where: str, out: _Collector) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        out.add(f"{where}.{key}", f"must be true or false, not {shown(value)}")
        return False
    return value


def _text(data: Mapping[str, object], key: str, where: str, out: _Collector) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        out.add(f"{where}.{key}", "is required")
        return ""
    return value.strip()


def _phone(raw: object, where: str, out: _Collector) -> str | None:
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        got = "" if raw is None else f", not {shown(raw)}"
        out.add(where, f"is required, in E.164 form like +12125550175 (quote it in YAML){got}")
        return None
    try:
        return normalise(str(raw))
    except PhoneError as exc:
        out.add(where, str(exc))
        return None


def _slack_user(raw: object, where: str, out: _Collector) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not SLACK_USER.match(raw):
        out.add(where, f"must be a Slack user id like U0123ABCD, not {shown(raw)}")
        return None
    return raw
