"""The router's Prometheus metrics, registered on a registry passed in (never the
global one), and recorded once per batch, not once per event, where it can be.

Labels carry channels, targets, queues and reasons: never a customer id, name or
number (tests/test_privacy.py checks it on a live run).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from omniroute.schemas import DeadLetter, ExplanationKind, InteractionEvent, RoutingDecision

__all__ = ["LATENCY_BUCKETS", "RouterMetrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RouterMetrics:
    def __init__(self, registry: CollectorRegistry, *, process: bool = True) -> None:
        self.registry = registry
        if process:  # CPU, memory, open files of this worker
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
        self.events = Counter(
            "omniroute_events_consumed_total",
            "Interaction events consumed and valid, by type and channel.",
            ["type", "channel"],
            registry=registry,
        )
        self.decisions = Counter(
            "omniroute_decisions_total",
            "Routing decisions made, by channel, target and queue.",
            ["channel", "target", "queue"],
            registry=registry,
        )
        self.latency = Histogram(
            "omniroute_decision_latency_seconds",
            "From the event's broker timestamp to its decision being produced.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.redis_seconds = Histogram(
            "omniroute_redis_roundtrip_seconds",
            "Redis round trips on the hot path (one MGET or one pipeline per batch).",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
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
        self.degraded = Counter(
            "omniroute_degraded_decisions_total",
            "Decisions made without the customer's record (Redis unavailable).",
            registry=registry,
        )
        self.redis_errors = Counter(
            "omniroute_redis_errors_total",
            "Redis operations that failed or timed out.",
            ["operation"],
            registry=registry,
        )
        self.cost = Counter(
            "omniroute_expected_cost_dollars_total",
            "Expected handling cost of decided contacts, by target and channel.",
            ["target", "channel"],
            registry=registry,
        )
        self.guardrails = Counter(
            "omniroute_guardrail_hits_total",
            "Decisions where a guardrail overrode or bounded the rules.",
            ["guardrail"],
            registry=registry,
        )
        self.batch_size = Histogram(
            "omniroute_batch_records",
            "Records per consumed batch.",
            ["stage"],
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
            registry=registry,
        )
        self.lag = Gauge(
            "omniroute_consumer_lag_records",
            "Records behind the fetch high watermark, per partition.",
            ["stage", "topic", "partition"],
            registry=registry,
        )
        self.policy = Gauge(
            "omniroute_policy_info",
            "The policy version in force (value 1).",
            ["version"],
            registry=registry,
        )
        self.policy_reloads = Counter(
            "omniroute_policy_reloads_total",
            "Policy file reloads, by result (ok, error: the last good policy stays).",
            ["result"],
            registry=registry,
        )
        # Series that exist from the start, so dashboards and alerts see a zero
        # instead of no data before the first error.
        for operation in ("mget", "pipeline"):
            self.redis_errors.labels(operation)
        for result in ("ok", "error"):
            self.policy_reloads.labels(result)

    def record_events(self, events: Iterable[InteractionEvent]) -> None:
        for (kind, channel), n in Tally((e.type, e.channel.value) for e in events).items():
            self.events.labels(kind.rsplit(".", 1)[-1], channel).inc(n)

    def record_decisions(self, decisions: Iterable[RoutingDecision]) -> None:
        made: Tally[tuple[str, str, str]] = Tally()
        cost: dict[tuple[str, str], float] = {}
        guardrails: Tally[str] = Tally()
        degraded = 0
        for d in decisions:
            made[(d.channel.value, d.target.value, d.queue or "")] += 1
            key = (d.target.value, d.channel.value)
            cost[key] = cost.get(key, 0.0) + d.expected_cost
            degraded += d.degraded
            guardrails.update(e.name for e in d.explanation if e.kind is ExplanationKind.GUARDRAIL)
        for (channel, target, queue), n in made.items():
            self.decisions.labels(channel, target, queue).inc(n)
        for (target, channel), dollars in cost.items():
            self.cost.labels(target, channel).inc(dollars)
        for name, n in guardrails.items():
            self.guardrails.labels(name).inc(n)
        if degraded:
            self.degraded.inc(degraded)

    def record_dead_letters(self, letters: Iterable[DeadLetter]) -> None:
        for (stage, reason), n in Tally((d.stage, d.reason.value) for d in letters).items():
            self.dead_letters.labels(stage, reason).inc(n)
