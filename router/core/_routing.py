"""Routing a decoded batch with a policy: pure, and shared by the live router,
the simulator and the replay tool, so a what-if runs exactly production code."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from omniroute.schemas import (
    CallbackRequested,
    ContactTarget,
    DeadLetter,
    DeadLetterReason,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    InteractionEvent,
    InteractionUpdate,
    RecentContact,
    RoutingDecision,
)

from ._history import apply_to_history
from ._records import InboundRecord, dead_letter_for
from ._types import CustomerRecord, LoadView, RoutingPolicy

__all__ = ["AssignerMessage", "RoutedBatch", "decision_id", "route_events"]

_DECISION_NAMESPACE = uuid.UUID("5f0c3c9e-8f7e-4a59-9a57-0d2f3e0b6a11")


def decision_id(cause_id: str) -> str:
    """Derived from the event id, so a redelivered event yields the same decision id
    and consumers can drop the duplicate (delivery is at least once). A prefix is
    enough and costs nothing; only ids too long to prefix are hashed."""
    if len(cause_id) <= 126:
        return f"d:{cause_id}"
    return str(uuid.uuid5(_DECISION_NAMESPACE, cause_id))


AssignerMessage = RoutingDecision | InteractionUpdate

UpdateKind = Literal["abandoned", "ended", "callback_requested"]
_UPDATES: dict[type[object], UpdateKind] = {
    InteractionAbandoned: "abandoned",
    InteractionEnded: "ended",
    CallbackRequested: "callback_requested",
}


@dataclass(slots=True)
class RoutedBatch:
    decisions: list[tuple[InboundRecord, RoutingDecision]] = field(default_factory=list)
    history: dict[str, tuple[RecentContact, ...]] = field(default_factory=dict)
    failures: list[DeadLetter] = field(default_factory=list)
    to_assigner: list[tuple[str, AssignerMessage]] = field(default_factory=list)
    """(pool, message): agent-queue decisions and what later happened to those contacts
    (to every pool when history cannot say which one holds the contact)."""


_AUTOMATED = frozenset({ContactTarget.IVR, ContactTarget.SELF_SERVICE})


def _reached_agents(event: InteractionEvent) -> bool:
    """The front end says the contact was queued for, offered to or handled by a person."""
    match event:
        case InteractionAbandoned(stage="queue" | "offer") | CallbackRequested():
            return True
        case InteractionEnded(handled_by="agent"):
            return True
        case _:
            return False


def _pools_holding(
    event: InteractionEvent, recent: tuple[RecentContact, ...], every_pool: Collection[str]
) -> tuple[str, ...]:
    """The pools that may hold the contact ``event`` follows up on.

    History names the pool when it has the contact's agent-queue line. It cannot
    when Redis was unreachable for this batch, nor for a contact whose decision
    was never written (decided while Redis was down, or the write failed): then
    every pool gets the follow-up and those that do not hold the contact ignore
    it. That costs one message per pool, only for contacts history lost, and
    needs nothing from Redis, the front end or a new topic. A line that puts the
    contact in automation is believed unless the event says the contact reached
    agents: then its escalation was not written, and every pool is asked too.
    """
    line = next((c for c in reversed(recent) if c.interaction_id == event.interaction_id), None)
    if line is not None and line.target is ContactTarget.AGENT_QUEUE and line.pool:
        return (line.pool,)
    if line is not None and line.target in _AUTOMATED and not _reached_agents(event):
        return ()
    return tuple(sorted(every_pool))


def _updates_for(
    event: InteractionEvent,
    recent: tuple[RecentContact, ...],
    every_pool: Collection[str],
    now: datetime,
) -> list[tuple[str, InteractionUpdate]]:
    update = _UPDATES.get(type(event))
    if update is None:
        return []
    return [
        (
            pool,
            InteractionUpdate(
                id=f"u:{event.id}"[:128],
                source="/omniroute/router",
                time=now,
                pool=pool,
                interaction_id=event.interaction_id,
                customer_id=event.customer_id,
                update=update,
                cause_id=event.id,
            ),
        )
        for pool in _pools_holding(event, recent, every_pool)
    ]


def route_events(
    events: Sequence[tuple[InboundRecord, InteractionEvent]],
    customers: Mapping[str, CustomerRecord],
    policy: RoutingPolicy,
    load: LoadView,
    *,
    now: datetime,
    keep: int,
    max_age: timedelta,
    stage: str = "router",
) -> RoutedBatch:
    """Decide every routable event in order and fold every event into history.

    Events of one customer are applied in order, each seeing the history the
    previous one left, exactly as if they had come one batch each.
    """
    out = RoutedBatch()
    every_pool = policy.pools.union(load)
    for record, event in events:
        known = customers.get(event.customer_id) or CustomerRecord(event.customer_id, None)
        current = CustomerRecord(
            known.customer_id,
            known.profile,
            out.history.get(event.customer_id, known.recent),
            known.lookup_failed,
        )
        decision: RoutingDecision | None = None
        if isinstance(event, InteractionArrived | InteractionEscalated):
            try:
                decision = policy.route(event, current, load, now)
            except Exception as error:
                out.failures.append(
                    dead_letter_for(
                        record,
                        DeadLetterReason.PROCESSING_ERROR,
                        f"policy {policy.version} failed: {type(error).__name__}: {error}",
                        stage=stage,
                        now=now,
                    )
                )
                continue
            expected_id = decision_id(event.id)
            if decision.id != expected_id:  # a policy that left the id to its default
                decision = decision.model_copy(update={"id": expected_id})
            out.decisions.append((record, decision))
            if decision.target is ContactTarget.AGENT_QUEUE and decision.pool:
                out.to_assigner.append((decision.pool, decision))
        else:
            out.to_assigner += _updates_for(event, current.recent, every_pool, now)
        updated = apply_to_history(
            current.recent, event, decision, now=now, keep=keep, max_age=max_age
        )
        if updated != current.recent:
            out.history[event.customer_id] = updated
    return out
