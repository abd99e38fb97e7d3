"""Metrics every worker has, whatever its stage: process figures, dead letters and
consumer lag. Defined once here so two stages in one registry (or one dashboard
over both) never disagree on a name, help text or label set.

Registered on a registry passed in, never the global one, so tests and the
benchmark can run several workers' metrics side by side.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Sequence

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from omniroute.schemas import DeadLetter

__all__ = ["LATENCY_BUCKETS", "MetricFactory", "WorkerMetrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: from a millisecond (a batch on a quiet broker) to ten (a stalled one)."""


class MetricFactory:
    """Declares metrics on one registry, one call each: name, help text, labels (and
    buckets for a histogram). The metric's type is the method called, so a stage's
    metrics read as a table of what it exports."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return Counter(name, documentation, labels, registry=self.registry)

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        return Gauge(name, documentation, labels, registry=self.registry)

    def histogram(
        self, name: str, documentation: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> Histogram:
        return Histogram(name, documentation, labels, buckets=buckets, registry=self.registry)


class WorkerMetrics:
    """What SREs watch on any worker: is it alive, is it falling behind, is input bad."""

    def __init__(self, registry: CollectorRegistry, *, process: bool = True) -> None:
        self.registry = registry
        metric = MetricFactory(registry)
        if process:  # CPU, memory, open files of this worker
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
        self.dead_letters = metric.counter(
            "omniroute_dead_letters_total",
            "Records sent to the dead-letter topic, by stage and reason.",
            ["stage", "reason"],
        )
        self.dead_letter_blocked = metric.gauge(
            "omniroute_dead_letter_blocked",
            "1 while a partition is held at a record whose dead letter the broker refuses"
            " (not consumed past it, not committed past it, retried): the"
            " DeadLetterBlocked alert fires. 0 once the broker took it.",
            ["stage", "topic", "partition"],
        )
        self.dead_letter_retries = metric.counter(
            "omniroute_dead_letter_retries_total",
            "Retries of dead letters the broker refused, by stage.",
            ["stage"],
        )
        self.lag = metric.gauge(
            "omniroute_consumer_lag_records",
            "Records behind the fetch high watermark, per partition.",
            ["stage", "topic", "partition"],
        )

    def record_dead_letters(self, letters: Iterable[DeadLetter]) -> None:
        for (stage, reason), n in Tally((d.stage, d.reason.value) for d in letters).items():
            self.dead_letters.labels(stage, reason).inc(n)
