"""The customer's recent-contact summary, updated event by event: pure.

Kafka keys interaction traffic by customer, so one router owns a customer's
events in order and a read-modify-write of ``recent:{id}`` per batch is safe.
Updates are idempotent by interaction id, so a redelivered batch does not
count a contact twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from omniroute.schemas import (
    AutomationCompleted,
    ContactOutcome,
    InteractionAbandoned,
    InteractionEnded,
    InteractionEscalated,
    InteractionEvent,
    RecentContact,
    RoutingDecision,
)

from ._construct import construct_validated

__all__ = ["apply_to_history"]

_ENDED = {
    "resolved": ContactOutcome.RESOLVED,
    "unresolved": ContactOutcome.UNRESOLVED,
    "transferred": ContactOutcome.TRANSFERRED,
}


def _outcome(event: InteractionEvent) -> ContactOutcome | None:
    match event:
        case AutomationCompleted(resolved=True):
            return ContactOutcome.RESOLVED_IN_AUTOMATION
        case AutomationCompleted(resolved=False):
            return ContactOutcome.FAILED_IN_AUTOMATION
        case InteractionAbandoned():
            return ContactOutcome.ABANDONED
        case InteractionEnded(outcome=outcome):
            return _ENDED[outcome]
        case _:
            return None


def apply_to_history(
    recent: tuple[RecentContact, ...],
    event: InteractionEvent,
    decision: RoutingDecision | None,
    *,
    now: datetime,
    keep: int,
    max_age: timedelta,
) -> tuple[RecentContact, ...]:
    """The summary after ``event`` (and its decision, if it got one), oldest first.

    One line per interaction: its arrival adds it (a redelivery replaces it); an
    escalation re-targets it and marks it escalated, so a callback on the same
    reason still sees it; other events update its outcome. Lines older than
    ``max_age`` or beyond the newest ``keep`` drop off.
    """
    oldest = now - max_age  # one subtraction, not one per line
    lines = [line for line in recent if line.at >= oldest]
    index = next(
        (i for i, line in enumerate(lines) if line.interaction_id == event.interaction_id), None
    )
    if decision is not None:
        # Every field comes from a validated event or decision: built without
        # validating again, every field given.
        line = construct_validated(
            RecentContact,
            {
                "interaction_id": event.interaction_id,
                "at": lines[index].at if index is not None else event.time,
                "channel": event.channel,
                "reason": decision.reason,
                "target": decision.target,
                "queue": decision.queue,
                "pool": decision.pool,
                "agent_id": None,
                "outcome": (
                    ContactOutcome.ESCALATED
                    if isinstance(event, InteractionEscalated)
                    else ContactOutcome.ROUTED
                ),
            },
        )
        if index is None:
            lines.append(line)
        else:
            lines[index] = line
    else:
        outcome = _outcome(event)
        if outcome is not None and index is not None:
            update: dict[str, object] = {"outcome": outcome}
            reason = getattr(event, "reason", None)
            if lines[index].reason is None and reason:
                update["reason"] = reason
            if isinstance(event, InteractionEnded) and event.agent_id:
                update["agent_id"] = event.agent_id
            lines[index] = lines[index].model_copy(update=update)
    return tuple(lines[-keep:])
