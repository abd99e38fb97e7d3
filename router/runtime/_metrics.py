"""Metrics every worker has, whatever its stage: process figures, dead letters and
consumer lag. Defined once here so two stages in one registry (or one dashboard
over both) never disagree on a name, help text or label set.

Registered on a registry passed in, never the global one, so tests and the
benchmark can run several workers' metrics side by side.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    PlatformCollector,
    ProcessCollector,
)

from omniroute.schemas import DeadLetter

__all__ = ["LATENCY_BUCKETS", "WorkerMetrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: from a millisecond (a batch on a quiet broker) to ten (a stalled one)."""


class WorkerMetrics:
    """What SREs watch on any worker: is it alive, is it falling behind, is input bad."""

    def __init__(self, registry: CollectorRegistry, *, process: bool = True) -> None:
        self.registry = registry
        if process:  # CPU, memory, open files of this worker
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
        self.dead_letters = Counter(
            "omniroute_dead_letters_total",
            "Records sent to the dead-letter topic, by stage and reason.",
            ["stage", "reason"],
            registry=registry,
        )
        self.records_skipped = Counter(
            "omniroute_records_skipped_total",
            "Records neither processed nor dead-lettered (the dead letter itself was refused),"
            " by stage and reason. Each one is lost input: the RecordsSkipped alert fires.",
            ["stage", "reason"],
            registry=registry,
        )
        self.lag = Gauge(
            "omniroute_consumer_lag_records",
            "Records behind the fetch high watermark, per partition.",
            ["stage", "topic", "partition"],
            registry=registry,
        )

    def record_dead_letters(self, letters: Iterable[DeadLetter]) -> None:
        for (stage, reason), n in Tally((d.stage, d.reason.value) for d in letters).items():
            self.dead_letters.labels(stage, reason).inc(n)
