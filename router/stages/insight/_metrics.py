"""The insight stage's Prometheus metrics: contacts by segment, reason, channel and
outcome, their cost per channel, and feedback, with bounded label sets.

Segments and reasons are the contact center's own vocabularies, so each label
takes at most ``max_values`` distinct values per worker; later ones count as
``other``. No customer id, address or feedback text is ever a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from omniroute.router.policy import FinishedContact, dollars
from omniroute.router.runtime import MetricFactory, WorkerMetrics
from omniroute.schemas import Channel

__all__ = ["BoundedLabel", "InsightMetrics"]

COST_KINDS = ("expected", "realised", "baseline", "automation", "automation_failed")


class BoundedLabel:
    """The first ``max_values`` values seen keep their name; the rest are ``other``."""

    def __init__(self, max_values: int) -> None:
        self._max = max_values
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) < self._max:
            self._seen.add(value)
            return value
        return "other"


class InsightMetrics:
    def __init__(
        self, registry: CollectorRegistry, *, process: bool = True, max_values: int = 40
    ) -> None:
        self.registry = registry
        self.worker = WorkerMetrics(registry, process=process)
        self.segment = BoundedLabel(max_values)
        self.reason = BoundedLabel(max_values)
        metric = MetricFactory(registry)
        self.contacts = metric.counter(
            "omniroute_contacts_finished_total",
            "Contacts counted once each when finished, by segment, reason, channel, outcome.",
            ["segment", "reason", "channel", "outcome"],
        )
        self.repeats = metric.counter(
            "omniroute_contacts_repeat_total",
            "Finished contacts on the same reason as one of the customer's within 7 days.",
            ["segment", "reason", "channel"],
        )
        self.escalated = metric.counter(
            "omniroute_contacts_escalated_total",
            "Finished contacts that went through automation and ended with an agent.",
            ["reason", "channel"],
        )
        self.cost = metric.counter(
            "omniroute_contact_cost_dollars_total",
            "Per finished contact, by channel: expected (first decision), realised "
            "(automation spent + one agent if handled), baseline (one agent), automation, "
            "automation_failed (automation spent on contacts it did not finish). "
            "Cost avoided = baseline - realised.",
            ["channel", "kind"],
        )
        self.feedback = metric.counter(
            "omniroute_feedback_answers_total",
            "Feedback answers joined to their contact, by kind, segment, reason, channel.",
            ["kind", "segment", "reason", "channel"],
        )
        self.feedback_score = metric.counter(
            "omniroute_feedback_score_total",
            "Sum of the scores of those answers (mean = score / answers).",
            ["kind", "segment", "reason", "channel"],
        )
        self.pending = metric.counter(
            "omniroute_feedback_held_total",
            "Feedback read before its contact finished: held, joined when it does "
            "(or dropped after 7 days).",
        )
        for channel in Channel:
            for kind in COST_KINDS:
                self.cost.labels(channel.value, kind)
        self.pending.inc(0)

    def record(self, contact: FinishedContact) -> None:
        segment, reason = self.segment(contact.segment), self.reason(contact.reason)
        self.contacts.labels(segment, reason, contact.channel, contact.outcome).inc()
        if contact.repeat:
            self.repeats.labels(segment, reason, contact.channel).inc()
        if contact.escalated:
            self.escalated.labels(reason, contact.channel).inc()
        cost = contact.cost
        for kind, cents in zip(
            COST_KINDS,
            (cost.expected, cost.realised, cost.baseline, cost.automation, cost.automation_failed),
            strict=True,
        ):
            if cents:
                self.cost.labels(contact.channel, kind).inc(dollars(cents))

    def record_feedback(self, contact: FinishedContact, kind: str, score: int) -> None:
        labels = (kind, self.segment(contact.segment), self.reason(contact.reason), contact.channel)
        self.feedback.labels(*labels).inc()
        self.feedback_score.labels(*labels).inc(score)
