"""What a valid sites file may still get wrong: worth a warning in `cmsbot sites check`."""

from __future__ import annotations

from alerts.on_call import group_people
from alerts.roster import COORDINATORS
from alerts.sites import Sites


def site_warnings(sites: Sites) -> list[str]:
    """One line per warning: members with no shifts, coordinators with no rotation, and
    rotations naming people the roster does not have."""
    warnings = []
    for i, team in enumerate(sites.teams):
        always = [member.name for member in team.members if not member.shifts]
        if always:
            warnings.append(f"teams[{i}] {team.id}: {len(always)} member(s) with no shifts, "
                            f"paged at any hour: {', '.join(always)}")
    if len(sites.coordinators) > 1 and COORDINATORS not in sites.rotations:
        warnings.append(f"coordinators: {len(sites.coordinators)} coordinators and no rotation: "
                        "every escalation to the coordinators reaches all of them (add "
                        "rotations: {coordinators: {people: [...], shift: 1w, handoff: "
                        "'mon 09:00'}})")
    for group, rotation in sites.rotations.items():
        known = {person.name.casefold() for person in group_people(sites, group)}
        missing = [name for name in rotation.people if name.casefold() not in known]
        if missing:
            # Their turns reach the whole group instead (alerts.on_call).
            warnings.append(f"rotations.{group}: not on the roster: {', '.join(missing)}; their "
                            "turns reach everyone in the group")
    return warnings
