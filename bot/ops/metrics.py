"""Prometheus text exposition (format 0.0.4), written by hand: families, escaping, a histogram.

The format is a few lines of text; a client library would bring the process-wide default
registry this codebase avoids. Tests parse the output with prometheus_client to prove it valid.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = tuple[tuple[str, str], ...]
Kind = Literal["gauge", "counter", "histogram"]


@dataclass(frozen=True)
class Sample:
    """One line: a sample name (the family's, or with _bucket/_sum/_count), labels, a value."""

    name: str
    labels: Labels
    value: float


@dataclass(frozen=True)
class Family:
    """A metric family: its HELP and TYPE lines, then its samples."""

    name: str
    kind: Kind
    help: str
    samples: Sequence[Sample] = ()


def labels(**values: str) -> Labels:
    """Labels in a stable order, so the same series always renders the same way."""
    return tuple(sorted(values.items()))


def family(name: str, kind: Kind, help_text: str, values: Mapping[Labels, float]) -> Family:
    """A gauge or counter family with one sample per label set."""
    return Family(name, kind, help_text,
                  [Sample(name, key, value) for key, value in sorted(values.items())])


def histogram_samples(name: str, bounds: Sequence[float], cumulative: Sequence[int], total: float,
                      count: int, series: Labels = ()) -> list[Sample]:
    """A histogram's lines from cumulative counts per upper bound (+Inf is `count`)."""
    buckets = [Sample(f"{name}_bucket", (*series, ("le", _number(bound))), float(seen))
               for bound, seen in zip(bounds, cumulative, strict=True)]
    buckets.append(Sample(f"{name}_bucket", (*series, ("le", "+Inf")), float(count)))
    return [*buckets, Sample(f"{name}_sum", series, total), Sample(f"{name}_count", series, count)]


@dataclass
class _Series:
    counts: list[int]
    total: float = 0.0
    count: int = 0


@dataclass
class Histogram:
    """Observations in fixed buckets, per label set, kept by one process while it runs.

    Only the event loop's thread observes, so it needs no lock.
    """

    bounds: tuple[float, ...]
    _series: dict[Labels, _Series] = field(default_factory=dict)

    def observe(self, value: float, series: Labels = ()) -> None:
        """Count one observation of `value` (seconds, say) under `series`."""
        state = self._series.setdefault(series, _Series([0] * len(self.bounds)))
        index = bisect.bisect_left(self.bounds, value)  # le: a value equal to a bound is in it
        if index < len(self.bounds):
            state.counts[index] += 1
        state.total += value
        state.count += 1

    def family(self, name: str, help_text: str) -> Family:
        """The family to render, with cumulative buckets."""
        samples: list[Sample] = []
        for series, state in sorted(self._series.items()):
            samples += histogram_samples(name, self.bounds, list(itertools.accumulate(state.counts)),
                                         state.total, state.count, series)
        return Family(name, "histogram", help_text, samples)


def render(families: Iterable[Family]) -> str:
    """The exposition text: HELP, TYPE and samples of each family, ending with a newline."""
    lines: list[str] = []
    for item in families:
        lines.append(f"# HELP {item.name} {_escape_help(item.help)}")
        lines.append(f"# TYPE {item.name} {item.kind}")
        for sample in item.samples:
            shown = ",".join(f'{key}="{_escape_label(value)}"' for key, value in sample.labels)
            lines.append(f"{sample.name}{{{shown}}} {_number(sample.value)}" if shown
                         else f"{sample.name} {_number(sample.value)}")
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2 ** 53:
        return str(int(value))
    return repr(float(value))
