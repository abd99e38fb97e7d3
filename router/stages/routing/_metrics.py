"""The router's Prometheus metrics, registered on a registry passed in (never the
global one), and recorded once per batch, not once per event, where it can be.

Labels carry channels, targets, queues and reasons: never a customer id, name or
number (tests/integration/test_prometheus.py checks it on a live run).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import CollectorRegistry

from omniroute.router.runtime import LATENCY_BUCKETS, MetricFactory, WorkerMetrics
from omniroute.schemas import (
    Channel,
    ContactTarget,
    ExplanationKind,
    InteractionEvent,
    RoutingDecision,
)

__all__ = ["RouterMetrics"]


class RouterMetrics:
    def __init__(self, registry: CollectorRegistry, *, process: bool = True) -> None:
        self.registry = registry
        self.worker = WorkerMetrics(registry, process=process)
        metric = MetricFactory(registry)
        self.events = metric.counter(
            "omniroute_events_consumed_total",
            "Interaction events consumed and valid, by type and channel.",
            ["type", "channel"],
        )
        self.decisions = metric.counter(
            "omniroute_decisions_total",
            "Routing decisions made, by channel, target and queue.",
            ["channel", "target", "queue"],
        )
        self.latency = metric.histogram(
            "omniroute_decision_latency_seconds",
            "From the event's broker timestamp to its decision being produced.",
            ["channel"],
            LATENCY_BUCKETS,
        )
        self.redis_seconds = metric.histogram(
            "omniroute_redis_roundtrip_seconds",
            "Redis round trips on the hot path (one MGET or one pipeline per batch).",
            ["operation"],
            LATENCY_BUCKETS,
        )
        self.degraded = metric.counter(
            "omniroute_degraded_decisions_total",
            "Decisions made without the customer's record (Redis unavailable).",
        )
        self.redis_errors = metric.counter(
            "omniroute_redis_errors_total",
            "Redis operations that failed or timed out.",
            ["operation"],
        )
        self.cost = metric.counter(
            "omniroute_expected_cost_dollars_total",
            "Expected handling cost of decided contacts, by target and channel.",
            ["target", "channel"],
        )
        self.guardrails = metric.counter(
            "omniroute_guardrail_hits_total",
            "Decisions where a guardrail overrode or bounded the rules.",
            ["guardrail"],
        )
        self.batch_size = metric.histogram(
            "omniroute_batch_records",
            "Records per consumed batch.",
            ["stage"],
            (1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
        )
        self.closed_arrivals = metric.counter(
            "omniroute_closed_arrivals_total",
            "Contacts that arrived while their queue was closed (policy hours), by that "
            "queue and where the closed-hours route sent them.",
            ["queue", "target"],
        )
        self.policy = metric.gauge(
            "omniroute_policy_info", "The policy version in force (value 1).", ["version"]
        )
        self.policy_reloads = metric.counter(
            "omniroute_policy_reloads_total",
            "Policy file reloads, by result (ok, error: the last good policy stays).",
            ["result"],
        )
        # Series that exist from the start, so dashboards and alerts see a zero
        # instead of no data before the first error.
        for operation in ("mget", "pipeline"):
            self.redis_errors.labels(operation)
        for result in ("ok", "error"):
            self.policy_reloads.labels(result)

    # Enum members are tallied as they are and spelt once per label set: ``.value``
    # is a Python property call in 3.11, five per decision (~2 us an event).
    def record_events(self, events: Iterable[InteractionEvent]) -> None:
        for (kind, channel), n in Tally((e.type, e.channel) for e in events).items():
            self.events.labels(kind.rsplit(".", 1)[-1], channel.value).inc(n)

    def record_decisions(self, decisions: Iterable[RoutingDecision]) -> None:
        made: Tally[tuple[Channel, ContactTarget, str]] = Tally()
        cost: dict[tuple[Channel, ContactTarget], float] = {}
        guardrails: Tally[str] = Tally()
        degraded = 0
        closed: Tally[tuple[str, ContactTarget]] = Tally()
        guardrail = ExplanationKind.GUARDRAIL
        for d in decisions:
            target, channel = d.target, d.channel
            if d.closed_queue is not None:
                closed[(d.closed_queue, target)] += 1
            made[(channel, target, d.queue or "")] += 1
            key = (channel, target)
            cost[key] = cost.get(key, 0.0) + d.expected_cost
            degraded += d.degraded
            for step in d.explanation:
                if step.kind is guardrail:
                    guardrails[step.name] += 1
        for (channel, target, queue), n in made.items():
            self.decisions.labels(channel.value, target.value, queue).inc(n)
        for (channel, target), dollars in cost.items():
            self.cost.labels(target.value, channel.value).inc(dollars)
        for name, n in guardrails.items():
            self.guardrails.labels(name).inc(n)
        if degraded:
            self.degraded.inc(degraded)
        for (queue, target), n in closed.items():
            self.closed_arrivals.labels(queue, target.value).inc(n)
