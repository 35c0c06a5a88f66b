"""What a valid sites file may still get wrong: worth a warning in `cmsbot sites check`."""

from __future__ import annotations

from alerts.sites import Sites


def site_warnings(sites: Sites) -> list[str]:
    """One line per warning: members with no shifts, and coordinators with no rotation."""
    warnings = []
    for i, team in enumerate(sites.teams):
        always = [member.name for member in team.members if not member.shifts]
        if always:
            warnings.append(f"teams[{i}] {team.id}: {len(always)} member(s) with no shifts, "
                            f"paged at any hour: {', '.join(always)}")
    if len(sites.coordinators) > 1:
        # The sites file has no `rotation:` yet: every coordinators step reaches all of them.
        warnings.append(f"coordinators: {len(sites.coordinators)} coordinators and no rotation: "
                        "every escalation to the coordinators reaches all of them")
    return warnings
