"""The insight stage for one batch, Kafka-free: interaction events, routing decisions
and feedback in; the changed state out, as changelog records.

State is kept per input partition (the three input topics are keyed by customer
and partitioned alike, so partition p of each holds the same customers):

- ``c|<p>|<customer id>``: the customer's ``CustomerInsight`` (open contacts,
  reasons of the last 7 days, finished contacts awaiting feedback);
- ``agg|<p>|<segment>|<reason>|<channel>``: the ``ContactFigures`` partition p
  has counted; ``wait|<p>|<channel>|<band>``: feedback by perceived wait.

Keys are JSON strings, as the assigner's changelog writes them, and land on any
changelog partition: a takeover of p reads every partition (incrementally, with
the assigner's ``ChangelogReader``) and keeps the keys that name p.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_json

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.router.policy import ContactFigures, CostTable, CustomerInsight, FinishedContact
from omniroute.router.runtime import Outbound, dead_letter_records, encode_key
from omniroute.schemas import (
    CustomerFeedback,
    InteractionEventAdapter,
    RoutingDecision,
    topic,
    utc_now,
)

from ._metrics import InsightMetrics

__all__ = [
    "INSIGHT_INPUTS",
    "WAIT_BANDS",
    "InsightStage",
    "PartitionState",
    "figures_key",
    "wait_band",
]

log = logging.getLogger("omniroute.insight")
INTERACTIONS = topic("omniroute.interactions").name
DECISIONS = topic("omniroute.decisions").name
FEEDBACK = topic("omniroute.feedback")
INSIGHT_INPUTS = (INTERACTIONS, DECISIONS, FEEDBACK.name)
"""What the insight worker consumes (its group's topics: a tool waiting for it to
catch up checks these)."""
_DECISION = TypeAdapter(RoutingDecision)
WAIT_BANDS = ((30.0, "0-30s"), (60.0, "30-60s"), (120.0, "60-120s"), (300.0, "120-300s"))


def wait_band(seconds: float) -> str:
    """The perceived-wait band feedback is grouped by."""
    return next((name for limit, name in WAIT_BANDS if seconds < limit), "300s+")


def figures_key(partition: int, segment: str, reason: str, channel: str) -> str:
    return f"agg|{partition}|{segment}|{reason}|{channel}"


@dataclass(slots=True)
class PartitionState:
    customers: dict[str, CustomerInsight] = field(default_factory=dict)
    figures: dict[str, ContactFigures] = field(default_factory=dict)

    @classmethod
    def from_changelog(cls, partition: int, every: Iterable[tuple[str, object]]) -> PartitionState:
        """Partition ``partition``'s state from the latest records of every changelog
        partition."""
        state = cls()
        customers = f"c|{partition}|"
        figures = (f"agg|{partition}|", f"wait|{partition}|")
        for key, value in every:
            if not isinstance(value, dict):
                continue
            if key.startswith(customers):
                state.customers[key[len(customers) :]] = CustomerInsight.from_dict(value)
            elif key.startswith(figures):
                state.figures[key] = ContactFigures.from_dict(value)
        return state


class InsightStage:
    def __init__(
        self,
        *,
        costs: CostTable,
        metrics: InsightMetrics,
        changelog: str,
        dead_letter_topic: str,
        max_event_bytes: int = 64 * 1024,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._costs = costs
        self._metrics = metrics
        self._changelog = changelog
        self._dead_letter_topic = dead_letter_topic
        self._max_bytes = max_event_bytes
        self._clock = clock
        self.states: dict[int, PartitionState] = {}
        self.finished = 0
        self.skipped = 0

    def process(self, records: Sequence[InboundRecord]) -> list[Outbound]:
        """Fold the batch into the state of its partitions; the changed keys out."""
        now = self._clock()
        changed_customers: dict[tuple[int, str], CustomerInsight] = {}
        changed_figures: dict[str, ContactFigures] = {}
        letters: list[Outbound] = []
        for record in records:
            state = self.states.setdefault(record.partition, PartitionState())
            found = self._apply(record, state, now, changed_figures, letters)
            if found is not None:
                changed_customers[(record.partition, found[0])] = found[1]
        out: list[Outbound] = []
        for (partition, customer_id), insight in changed_customers.items():
            insight.expire(now)
            value = b"null" if insight.empty else to_json(insight.to_dict())
            out.append((self._changelog, encode_key(f"c|{partition}|{customer_id}"), value))
        out.extend(
            (self._changelog, encode_key(key), to_json(figures.to_dict()))
            for key, figures in changed_figures.items()
        )
        return out + letters

    def _apply(
        self,
        record: InboundRecord,
        state: PartitionState,
        now: datetime,
        figures: dict[str, ContactFigures],
        letters: list[Outbound],
    ) -> tuple[str, CustomerInsight] | None:
        value = record.value
        if not value:
            self.skipped += 1
            return None
        try:
            if record.topic == DECISIONS:
                decision = _DECISION.validate_json(value)
                insight = state.customers.setdefault(decision.customer_id, CustomerInsight())
                done = insight.on_decision(decision, self._costs)
                customer = decision.customer_id
            elif record.topic == INTERACTIONS:
                event = InteractionEventAdapter.validate_json(value)
                if not event.customer_id:
                    return None  # an address to resolve: counted when re-published
                insight = state.customers.setdefault(event.customer_id, CustomerInsight())
                done = insight.on_event(event, self._costs)
                customer = event.customer_id
            else:
                decoded = decode_batch(
                    [record], FEEDBACK.adapter, max_bytes=self._max_bytes, stage="insight", now=now
                )
                if decoded.dead_letters:
                    self._metrics.worker.record_dead_letters(decoded.dead_letters)
                    letters.extend(
                        dead_letter_records(decoded.dead_letters, self._dead_letter_topic)
                    )
                    return None
                feedback: CustomerFeedback = decoded.events[0][1]
                return self._feedback(record.partition, feedback, state, figures)
        except ValidationError:
            # The router dead-letters bad interactions; the insight stage only skips them.
            self.skipped += 1
            return None
        if done is not None:
            self._count(record.partition, done, state, figures)
            waiting = insight.pending.pop(done.interaction_id, None)
            if waiting is not None:
                answer = waiting[:3]
                self._join(record.partition, insight, done, answer, state=state, changed=figures)
        return customer, insight

    def _count(
        self,
        partition: int,
        contact: FinishedContact,
        state: PartitionState,
        changed: dict[str, ContactFigures],
    ) -> None:
        key = figures_key(partition, contact.segment, contact.reason, contact.channel)
        figures = state.figures.setdefault(key, ContactFigures())
        figures.add(contact)
        changed[key] = figures
        self.finished += 1
        self._metrics.record(contact)

    def _feedback(
        self,
        partition: int,
        feedback: CustomerFeedback,
        state: PartitionState,
        changed: dict[str, ContactFigures],
    ) -> tuple[str, CustomerInsight] | None:
        insight = state.customers.setdefault(feedback.customer_id, CustomerInsight())
        contact = insight.finished.get(feedback.interaction_id)
        if contact is None:
            # Its contact has not finished here yet (feedback is another topic, read
            # in its own order), or is unknown: held until it finishes, or expires.
            insight.pending[feedback.interaction_id] = (
                feedback.id,
                feedback.kind,
                feedback.score,
                feedback.time.timestamp(),
            )
            self._metrics.pending.inc()
            return feedback.customer_id, insight
        answer = (feedback.id, feedback.kind, feedback.score)
        self._join(partition, insight, contact, answer, state=state, changed=changed)
        return feedback.customer_id, insight

    def _join(
        self,
        partition: int,
        insight: CustomerInsight,
        contact: FinishedContact,
        answer: tuple[str, str, int],
        *,
        state: PartitionState,
        changed: dict[str, ContactFigures],
    ) -> None:
        ident, kind, score = answer
        if contact.interaction_id in insight.answered:
            return  # one answer per contact: a redelivery, or a second survey, is not counted
        insight.answered[contact.interaction_id] = ident
        key = figures_key(partition, contact.segment, contact.reason, contact.channel)
        by_wait = f"wait|{partition}|{contact.channel}|{wait_band(contact.perceived_wait_seconds)}"
        for name in (key, by_wait):
            figures = state.figures.setdefault(name, ContactFigures())
            figures.add_feedback(kind, score)
            changed[name] = figures
        self._metrics.record_feedback(contact, kind, score)
