"""What a PromQL query references: metric names and the labels it groups or matches on.
A small scanner, enough for the queries we write; not a PromQL parser."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry

from omniroute.router.stages.assignment import AssignerMetrics
from omniroute.router.stages.insight import InsightMetrics
from omniroute.router.stages.routing import RouterMetrics

_NAME = re.compile(r"\b((?:omniroute|process)_[a-z_]+)\b")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_MATCHER = re.compile(r"\{([^}]*)\}")
FREE_LABELS = frozenset({"le", "job", "instance", "__name__"})


def known_metrics() -> dict[str, set[str]]:
    """Every sample name a router or assigner exposes (``_total``, ``_bucket``...
    included), with the labels it is declared with, samples or not."""
    router, assigner, insight = CollectorRegistry(), CollectorRegistry(), CollectorRegistry()
    RouterMetrics(router)
    AssignerMetrics(assigner)
    InsightMetrics(insight)
    names: dict[str, set[str]] = {}
    for registry in (router, assigner, insight):
        for name, collector in registry._names_to_collectors.items():
            names.setdefault(name, set()).update(getattr(collector, "_labelnames", ()))
        for family in registry.collect():  # collectors without describe(): process_*
            for sample in family.samples:
                names.setdefault(sample.name, set()).update(sample.labels)
    return names


def references(query: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) a query uses."""
    metrics = set(_NAME.findall(query))
    labels: set[str] = set()
    for group in _GROUPING.findall(query):
        labels |= {part.strip() for part in group.split(",") if part.strip()}
    for matcher in _MATCHER.findall(query):
        labels |= {
            re.split(r"[=!~]", part.strip())[0] for part in matcher.split(",") if part.strip()
        }
    return metrics, labels - FREE_LABELS
