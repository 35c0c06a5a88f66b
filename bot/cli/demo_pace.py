"""The demo's pace: the sites file with its waits shortened, so a few minutes show a day.

A real team escalates after 10 and 20 minutes and follows up a day and three days after a
shooting; a demo watched for five minutes would show none of it. The demo therefore runs on a
copy of the sites file (written under CMSBOT_HOME) whose escalation steps, calls and
check-out escalations come ten times sooner, whose follow-ups come after 3 and 6 minutes, at
any hour and escalating as fast as alerts, and whose safety check-outs after 5.
`cmsbot demo --real-pace` runs on the file as it is.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from alerts.durations import format_duration
from alerts.sites import Sites

ESCALATION_SPEEDUP = 10
FOLLOWUPS = (timedelta(minutes=3), timedelta(minutes=6))
SAFETY_CHECKOUT = timedelta(minutes=5)
PACED_NAME = "demo-sites.yaml"


def paced_sites(source: Path, sites: Sites, home: Path) -> Path:
    """Write the demo-paced copy of `source` (already loaded and checked as `sites`) into
    `home` and return its path."""
    raw: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    # The copy lives elsewhere: layer files named relative to the original must stay found.
    for spec in (raw.get("geofence_layers") or {}).values():
        spec["path"] = str((source.parent / str(spec["path"])).resolve())
    teams = {team.id: team for team in sites.teams}
    for entry in raw.get("teams") or ():
        team = teams[str(entry["id"])]
        steps = [{"after": _written(step.after / ESCALATION_SPEEDUP), "notify": step.notify}
                 for step in team.escalation.steps]
        entry["escalation"] = {
            "required_acks": team.escalation.required_acks,
            "steps": [{**paced, "via": list(step.via)} if step.via != ("sms",) else paced
                      for paced, step in zip(steps, team.escalation.steps, strict=True)]}
        if team.repage_after is not None:
            entry["repage_after"] = _written(team.repage_after / ESCALATION_SPEEDUP)
        entry["checkout_escalation"] = _written(team.checkout_escalation / ESCALATION_SPEEDUP)
        entry["followups"] = [_written(delay) for delay in FOLLOWUPS]
        # Routine hours would hold a night demo's follow-ups until 10:00: in the demo, routine
        # work runs at any hour and escalates at the paced alert's steps.
        entry["routine_hours"] = "00:00-24:00"
        entry["routine_escalation"] = {"steps": steps}
        entry["safety_checkout"] = _written(SAFETY_CHECKOUT)
    target = home / PACED_NAME
    target.write_text(f"# Written by `cmsbot demo` from {source}: the same sites, with the demo's "
                      "pace (see bot/cli/demo_pace.py). Edit the original, not this copy.\n"
                      + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def describe(sites: Sites) -> str:
    """One line saying what the demo's pace changes, for the demo's first screen."""
    steps = sorted({step.after for team in sites.teams for step in team.escalation.steps})
    faster = ", ".join(f"{_written(s)} -> {_written(s / ESCALATION_SPEEDUP)}" for s in steps)
    return (f"demo pace: escalations and calls {ESCALATION_SPEEDUP}x sooner ({faster}), "
            "follow-ups after "
            f"{' and '.join(_written(d) for d in FOLLOWUPS)}, safety check-outs after "
            f"{_written(SAFETY_CHECKOUT)} (--real-pace keeps the sites file's own)")


def _written(delay: timedelta) -> str:
    # A step sped up below a second would be written "0s", which no sites file accepts.
    return format_duration(max(delay, timedelta(seconds=1)))
