"""The outbound coordinator's metrics: verdicts by department, kind, verdict and
reason (departments are bounded: later ones count as ``other``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from omniroute.router.runtime import MetricFactory, WorkerMetrics
from omniroute.schemas import OutboundVerdict

__all__ = ["OutboundMetrics"]


class OutboundMetrics:
    def __init__(
        self, registry: CollectorRegistry, *, process: bool = True, max_departments: int = 20
    ) -> None:
        self.registry = registry
        self.worker = WorkerMetrics(registry, process=process)
        self._max = max_departments
        self._departments: set[str] = set()
        self.verdicts = MetricFactory(registry).counter(
            "omniroute_outbound_verdicts_total",
            "Outbound contact requests answered, by department, kind, verdict and reason.",
            ["department", "kind", "verdict", "reason"],
        )

    def _department(self, name: str) -> str:
        if name in self._departments or len(self._departments) < self._max:
            self._departments.add(name)
            return name
        return "other"

    def record(self, verdict: OutboundVerdict) -> None:
        self.verdicts.labels(
            self._department(verdict.department), verdict.kind, verdict.verdict, verdict.reason
        ).inc()
