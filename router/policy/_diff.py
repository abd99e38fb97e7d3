"""What-if comparison of two decisions on the same contact, and the report over a
recorded run: pure, so the replay tool only has to read and print."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from omniroute.schemas import ContactTarget, ExplanationKind, RoutingDecision

__all__ = ["DecisionChange", "ReplayReport", "compare"]


@dataclass(frozen=True, slots=True)
class DecisionChange:
    interaction_id: str
    before: RoutingDecision
    after: RoutingDecision

    @property
    def changed(self) -> bool:
        return self.fields() != []

    def fields(self) -> list[str]:
        b, a = self.before, self.after
        names = ("target", "queue", "priority", "offer_allowed", "max_wait_seconds")
        return [n for n in names if getattr(b, n) != getattr(a, n)]

    def summary(self) -> str:
        b, a = self.before, self.after
        parts = [f"{n}: {getattr(b, n)!s} -> {getattr(a, n)!s}" for n in self.fields()]
        return f"{self.interaction_id} ({b.channel.value}): " + ", ".join(parts)


def _guardrails(decision: RoutingDecision) -> list[str]:
    return [e.name for e in decision.explanation if e.kind is ExplanationKind.GUARDRAIL]


@dataclass(slots=True)
class ReplayReport:
    compared: int = 0
    changed: int = 0
    targets: Counter[tuple[str, str]] = field(default_factory=Counter)
    queues: Counter[tuple[str, str]] = field(default_factory=Counter)
    priority_up: int = 0
    priority_down: int = 0
    cost_before: float = 0.0
    cost_after: float = 0.0
    offers_before: int = 0
    offers_after: int = 0
    guardrails_before: Counter[str] = field(default_factory=Counter)
    guardrails_after: Counter[str] = field(default_factory=Counter)
    rules_after: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    policy_before: set[str] = field(default_factory=set)
    policy_after: str = ""

    def add(self, change: DecisionChange, *, keep_examples: int = 8) -> None:
        b, a = change.before, change.after
        self.compared += 1
        self.policy_before.add(b.policy_version)
        self.policy_after = a.policy_version
        self.targets[(b.target.value, a.target.value)] += 1
        self.queues[(b.queue or "-", a.queue or "-")] += 1
        if a.target is b.target is ContactTarget.AGENT_QUEUE:
            self.priority_up += a.priority > b.priority
            self.priority_down += a.priority < b.priority
        self.cost_before += b.expected_cost
        self.cost_after += a.expected_cost
        self.offers_before += b.offer_allowed
        self.offers_after += a.offer_allowed
        self.guardrails_before.update(_guardrails(b))
        self.guardrails_after.update(_guardrails(a))
        self.rules_after.update(e.name for e in a.explanation if e.kind is ExplanationKind.RULE)
        if change.changed:
            self.changed += 1
            if len(self.examples) < keep_examples:
                self.examples.append(change.summary())


def compare(
    pairs: list[tuple[RoutingDecision, RoutingDecision]], *, keep_examples: int = 8
) -> ReplayReport:
    report = ReplayReport()
    for before, after in pairs:
        report.add(
            DecisionChange(before.interaction_id, before, after), keep_examples=keep_examples
        )
    return report
