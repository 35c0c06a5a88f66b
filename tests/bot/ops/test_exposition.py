"""What a Prometheus server sees of cmsbot does not change by accident: every family's name,
type, HELP and label names are the ones in exposition.txt, on SQLite and on PostgreSQL.

A dashboard or an alert rule that names a metric or a label breaks silently when either
changes, so a change here has to be made on purpose, in that file too.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from tests.handlers.test_operations import AUTH, BRONX, metrics

EXPECTED = Path(__file__).with_name("exposition.txt")


@pytest.fixture
def live_settings(live_settings, any_settings):
    """The live service on SQLite and on PostgreSQL in turn."""
    return replace(live_settings, database_url=any_settings.database_url)


def shape(families) -> str:
    """Each family as `type name: help`, each sample name with its label names, and a
    histogram's `le` values as written (a rule says `le="3"`: `le="3.0"` would not match)."""
    lines = []
    for name, family in sorted(families.items()):
        lines.append(f"{family.type} {name}: {family.documentation}")
        series = {(s.name, ",".join(sorted(s.labels))) for s in family.samples}
        lines += [f"  {sample}{{{labels}}}" for sample, labels in sorted(series)]
        bounds = dict.fromkeys(s.labels["le"] for s in family.samples if "le" in s.labels)
        lines += [f"  le: {' '.join(bounds)}"] if bounds else []
    return "\n".join(lines) + "\n"


async def test_every_family_keeps_its_name_type_help_and_labels(client):
    # A shooting not yet sent (unsent deliveries, a queue), a webhook answered and one refused:
    # every family has samples, so every label name shows.
    assert (await client.post("/api/incidents", json=BRONX, headers=AUTH)).status == 202
    assert (await client.post("/api/incidents", json=BRONX)).status == 401
    families, _ = await metrics(client)
    assert shape(families) == EXPECTED.read_text()
