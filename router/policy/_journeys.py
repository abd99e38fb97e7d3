"""A customer's contacts folded into journeys, and finished journeys into figures by
segment, reason and channel: pure, so the insight stage, the report and the tests
run the same code.

One ``CustomerInsight`` per customer (the insight stage keys its state by customer,
as the input topics are keyed): the contacts still open, the reasons of the last
seven days (for repeats), and the finished contacts whose feedback may still come.
The fold takes interaction events and routing decisions in either order (they are
two topics): a contact is *finished* when an end, an abandon or a resolved
automation says so, and *counted* once it is finished and its first decision has
been seen, exactly once.

Where a contact went is the router's word: the automation it is charged for is
the IVR and self-service its decisions sent it to, and "resolved in automation"
counts only while its last decision had put it there. A front end reporting an
automation result for a contact the router queued for an agent (or that was
escalated since) changes nothing: that contact ends with its agent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from omniroute.schemas import (
    AutomationCompleted,
    Channel,
    ContactTarget,
    CustomerContext,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    InteractionEvent,
    RoutingDecision,
)

from ._contact_cost import ContactCost, CostTable, contact_cost

__all__ = [
    "OUTCOMES",
    "REPEAT_WINDOW",
    "ContactFigures",
    "CustomerInsight",
    "FinishedContact",
    "Journey",
    "Outcome",
    "segment_of",
]

Outcome = Literal["self_served", "agent", "abandoned"]
OUTCOMES: tuple[Outcome, ...] = ("self_served", "agent", "abandoned")
REPEAT_WINDOW = timedelta(days=7)
FEEDBACK_WINDOW = timedelta(days=7)
"""How long a finished contact is kept for its feedback to be joined to it."""
_AUTOMATED = {ContactTarget.IVR.value, ContactTarget.SELF_SERVICE.value}


def segment_of(customer: CustomerContext) -> str:
    """The customer's segment as the profile names it; otherwise the ARPU band of
    DOMAIN.md (50-100 careful spenders, 100-150 early adopters); unknown customers
    apart, so they never dilute a segment."""
    if not customer.known:
        return "unknown"
    if customer.segment:
        return customer.segment
    arpu = customer.arpu
    if arpu < 50:
        return "budget"
    if arpu < 100:
        return "careful_spender"
    if arpu < 150:
        return "early_adopter"
    return "premium"


@dataclass(slots=True)
class Journey:
    """One contact in progress: what the events and decisions said so far."""

    interaction_id: str
    channel: str
    reason: str | None = None
    segment: str | None = None
    arrived_at: float | None = None
    first_target: str | None = None
    stages: list[str] = field(default_factory=list)
    """Automation stages the router sent the contact to (its decisions' targets)."""
    last_target: str | None = None
    automation_resolved: bool = False
    """A front end said automation resolved it: self-served, if the router's last
    decision on it had put it in automation (not yet known when read first)."""
    automation_seconds: float = 0.0
    waited_seconds: float = 0.0
    escalated: bool = False
    outcome: Outcome | None = None
    finished_at: float | None = None

    @property
    def decided(self) -> bool:
        return self.first_target is not None

    def enter(self, stage: str) -> None:
        if stage in _AUTOMATED and stage not in self.stages:
            self.stages.append(stage)


@dataclass(frozen=True, slots=True)
class FinishedContact:
    """A counted contact: the row every figure of the report is a sum of."""

    interaction_id: str
    channel: str
    reason: str
    segment: str
    outcome: Outcome
    repeat: bool
    automated: bool
    escalated: bool
    cost: ContactCost
    perceived_wait_seconds: float

    @property
    def preventable(self) -> bool:
        """Could a proactive message have made this contact unnecessary? Its answer
        was information automation could give (it self-served), or the first answer
        did not settle it (the customer came back on the same reason within 7 days)."""
        return self.outcome == "self_served" or self.repeat


@dataclass(slots=True)
class ContactFigures:
    """Sums over finished contacts (and their feedback) of one segment, reason and
    channel: what the insight stage keeps per key and the report adds up."""

    contacts: int = 0
    self_served: int = 0
    agent: int = 0
    abandoned: int = 0
    repeat: int = 0
    preventable: int = 0
    automated: int = 0
    contained: int = 0
    escalated: int = 0
    expected_cents: int = 0
    realised_cents: int = 0
    baseline_cents: int = 0
    automation_cents: int = 0
    automation_failed_cents: int = 0
    perceived_wait_seconds: float = 0.0
    csat_count: int = 0
    csat_sum: int = 0
    nps_count: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0

    def add(self, contact: FinishedContact) -> None:
        self.contacts += 1
        setattr(self, contact.outcome, getattr(self, contact.outcome) + 1)
        self.repeat += contact.repeat
        self.preventable += contact.preventable
        self.automated += contact.automated
        self.contained += contact.automated and contact.outcome == "self_served"
        self.escalated += contact.escalated
        cost = contact.cost
        self.expected_cents += cost.expected
        self.realised_cents += cost.realised
        self.baseline_cents += cost.baseline
        self.automation_cents += cost.automation
        self.automation_failed_cents += cost.automation_failed
        self.perceived_wait_seconds += contact.perceived_wait_seconds

    def add_feedback(self, kind: str, score: int) -> None:
        if kind == "csat":
            self.csat_count += 1
            self.csat_sum += score
        else:
            self.nps_count += 1
            self.nps_promoters += score >= 9
            self.nps_detractors += score <= 6

    def merge(self, other: ContactFigures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def avoided_cents(self) -> int:
        return self.baseline_cents - self.realised_cents

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContactFigures:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _ts(moment: datetime) -> float:
    return moment.timestamp()


@dataclass(slots=True)
class CustomerInsight:
    """One customer's insight state; JSON-able through ``to_dict``/``from_dict``."""

    open: dict[str, Journey] = field(default_factory=dict)
    reasons: list[tuple[str, float, str]] = field(default_factory=list)
    """(reason, arrival time, interaction id) of contacts counted in the last 7 days."""
    finished: dict[str, FinishedContact] = field(default_factory=dict)
    """Counted contacts kept for their feedback, by interaction id."""
    finished_at: dict[str, float] = field(default_factory=dict)
    answered: dict[str, str] = field(default_factory=dict)
    """Interaction id -> the id of the feedback counted for it (one answer each)."""
    pending: dict[str, tuple[str, str, int, float]] = field(default_factory=dict)
    """Feedback read before its contact finished (another topic, read in its own
    order): interaction id -> (feedback id, kind, score, time), joined at the finish."""

    def _journey(self, interaction_id: str, channel: Channel) -> Journey | None:
        if interaction_id in self.finished:
            return None  # counted already: a late or repeated event changes nothing
        journey = self.open.get(interaction_id)
        if journey is None:
            journey = self.open[interaction_id] = Journey(interaction_id, channel.value)
        return journey

    def on_decision(self, decision: RoutingDecision, table: CostTable) -> FinishedContact | None:
        journey = self._journey(decision.interaction_id, decision.channel)
        if journey is None:
            return None
        if journey.first_target is None:
            journey.first_target = decision.target.value
            journey.segment = segment_of(decision.customer)
        journey.reason = journey.reason or decision.reason
        journey.enter(decision.target.value)
        journey.last_target = decision.target.value
        journey.automation_seconds = max(
            journey.automation_seconds, decision.perceived_wait_offset_seconds
        )
        return self._finish_if_ready(journey, table)

    def on_event(self, event: InteractionEvent, table: CostTable) -> FinishedContact | None:
        journey = self._journey(event.interaction_id, event.channel)
        if journey is None:
            return None
        reason = getattr(event, "reason", None)
        journey.reason = journey.reason or reason
        match event:
            case InteractionArrived():
                journey.arrived_at = _ts(event.time)
                journey.automation_seconds = max(
                    journey.automation_seconds, event.automation_seconds
                )
            case InteractionEscalated():
                journey.escalated = True
                journey.automation_seconds = max(
                    journey.automation_seconds, event.automation_seconds
                )
            case AutomationCompleted():
                journey.automation_resolved = journey.automation_resolved or event.resolved
            case InteractionAbandoned():
                journey.waited_seconds = max(journey.waited_seconds, event.waited_seconds)
                journey.outcome = journey.outcome or "abandoned"
            case InteractionEnded():
                journey.waited_seconds = max(
                    journey.waited_seconds, float(getattr(event, "waited_seconds", 0.0))
                )
                if event.handled_by == "agent":
                    journey.outcome = "agent"
                elif event.outcome == "resolved":
                    journey.automation_resolved = True
                else:
                    journey.outcome = "abandoned"
            case _:
                return None
        if (journey.outcome is not None or journey.automation_resolved) and (
            journey.finished_at is None
        ):
            journey.finished_at = _ts(event.time)
        if journey.arrived_at is None:
            journey.arrived_at = _ts(event.time)
        return self._finish_if_ready(journey, table)

    def _finish_if_ready(self, journey: Journey, table: CostTable) -> FinishedContact | None:
        if (
            journey.outcome is None
            and journey.automation_resolved
            and journey.last_target in _AUTOMATED
        ):
            # Only where the router sent it: a result from automation it was not
            # in (or left for an agent since) says nothing of how it ended.
            journey.outcome = "self_served"
        if journey.outcome is None or not journey.decided:
            return None
        del self.open[journey.interaction_id]
        reason = journey.reason or "unknown"
        arrived = journey.arrived_at or journey.finished_at or 0.0
        window = REPEAT_WINDOW.total_seconds()
        repeat = any(
            r == reason and 0 <= arrived - at <= window and other != journey.interaction_id
            for r, at, other in self.reasons
        )
        self.reasons.append((reason, arrived, journey.interaction_id))
        agent = journey.outcome == "agent"
        automated = bool(journey.stages)
        finished = FinishedContact(
            interaction_id=journey.interaction_id,
            channel=journey.channel,
            reason=reason,
            segment=journey.segment or "unknown",
            outcome=journey.outcome,
            repeat=repeat,
            automated=automated,
            escalated=automated and agent,
            cost=contact_cost(
                table,
                Channel(journey.channel),
                first_target=ContactTarget(journey.first_target) if journey.first_target else None,
                automation_stages=journey.stages,
                handled_by_agent=agent,
                self_served=journey.outcome == "self_served",
            ),
            perceived_wait_seconds=journey.automation_seconds + journey.waited_seconds,
        )
        self.finished[journey.interaction_id] = finished
        self.finished_at[journey.interaction_id] = journey.finished_at or arrived
        return finished

    def expire(self, now: datetime) -> None:
        """Forget what no later contact or feedback can need: reasons older than the
        repeat window, finished contacts past the feedback window, and contacts
        left open (their end never came) for longer than both."""
        moment = _ts(now)
        horizon = max(REPEAT_WINDOW, FEEDBACK_WINDOW).total_seconds()
        self.reasons = [r for r in self.reasons if moment - r[1] <= REPEAT_WINDOW.total_seconds()]
        for interaction_id, at in list(self.finished_at.items()):
            if moment - at > FEEDBACK_WINDOW.total_seconds():
                del self.finished_at[interaction_id]
                self.finished.pop(interaction_id, None)
                self.answered.pop(interaction_id, None)
        for interaction_id, (_, _, _, at) in list(self.pending.items()):
            if moment - at > FEEDBACK_WINDOW.total_seconds():
                del self.pending[interaction_id]
        for interaction_id, journey in list(self.open.items()):
            if moment - (journey.arrived_at or moment) > horizon:
                del self.open[interaction_id]

    @property
    def empty(self) -> bool:
        return not (self.open or self.reasons or self.finished or self.pending)

    def to_dict(self) -> dict[str, Any]:
        return {
            "open": {k: asdict(v) for k, v in self.open.items()},
            "reasons": [list(r) for r in self.reasons],
            "finished": {k: asdict(v) | {"cost": asdict(v.cost)} for k, v in self.finished.items()},
            "finished_at": self.finished_at,
            "answered": self.answered,
            "pending": {k: list(v) for k, v in self.pending.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerInsight:
        finished = {
            k: FinishedContact(**(v | {"cost": ContactCost(**v["cost"])}))
            for k, v in data.get("finished", {}).items()
        }
        return cls(
            open={k: Journey(**v) for k, v in data.get("open", {}).items()},
            reasons=[(r[0], float(r[1]), r[2]) for r in data.get("reasons", [])],
            finished=finished,
            finished_at={k: float(v) for k, v in data.get("finished_at", {}).items()},
            answered={k: str(v) for k, v in data.get("answered", {}).items()},
            pending={
                k: (str(v[0]), str(v[1]), int(v[2]), float(v[3]))
                for k, v in data.get("pending", {}).items()
            },
        )
