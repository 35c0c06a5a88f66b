"""Prometheus exposition through prometheus_client, one registry per app.

The library's process-wide default registry is never used: each app makes its own
`CollectorRegistry` and registers what that process measures itself, so two apps in one
process (the tests run many) never see each other's numbers.

What a scrape returns stays as it was before the library came in, because alert rules and
dashboards name these series: no `_created` series beside counters and histograms, and
`le="3"` rather than the library's `le="3.0"` (Prometheus 2 keeps `le` as the text it reads,
so `le="3"` in a rule would stop matching).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

# What generate_latest writes is the classic text format, 0.0.4. The library's
# CONTENT_TYPE_LATEST now says version=1.0.0, which promises another negotiation than ours.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


def le(bound: float) -> str:
    """A bucket's upper bound as its `le` label: `3`, `0.025`, `+Inf`."""
    if bound == float("inf"):
        return "+Inf"
    return str(int(bound)) if bound.is_integer() else repr(bound)


def register(registry: CollectorRegistry, metric: MetricWrapperBase) -> None:
    """Add a prometheus_client metric to `registry`, exposed as described above."""
    registry.register(_AsBefore(metric))


def exposition(*collectors: Collector) -> bytes:
    """The text format of every collector's families, in the order given."""
    return generate_latest(_Chain(collectors))


@dataclass(frozen=True, eq=False)
class _AsBefore:
    """A library metric without its `_created` samples and with short `le` labels."""

    metric: MetricWrapperBase

    def describe(self) -> Iterable[Metric]:
        return self.metric.describe()

    def collect(self) -> Iterator[Metric]:
        for family in self.metric.collect():
            shown = Metric(family.name, family.documentation, family.type, family.unit)
            shown.samples = [
                sample._replace(labels={**sample.labels, "le": le(float(sample.labels["le"]))})
                if "le" in sample.labels else sample
                for sample in family.samples if sample.name != f"{family.name}_created"]
            yield shown


@dataclass(frozen=True)
class _Chain:
    collectors: tuple[Collector, ...]

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()
