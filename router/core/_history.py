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
    ContactTarget,
    InteractionAbandoned,
    InteractionEnded,
    InteractionEscalated,
    InteractionEvent,
    RecentContact,
    RoutingDecision,
)

from ._construct import construct_validated

__all__ = ["AUTOMATION_FAILURES", "apply_to_history"]

_ENDED = {
    "resolved": ContactOutcome.RESOLVED,
    "unresolved": ContactOutcome.UNRESOLVED,
    "transferred": ContactOutcome.TRANSFERRED,
}


_AUTOMATED = frozenset({ContactTarget.IVR, ContactTarget.SELF_SERVICE})
AUTOMATION_FAILURES = frozenset(
    {ContactOutcome.FAILED_IN_AUTOMATION, ContactOutcome.ABANDONED, ContactOutcome.ESCALATED}
)
"""Ways of leaving IVR/self-service that send the customer's next contact to a person."""


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


def _automation_outcome(
    event: InteractionEvent, line: RecentContact | None
) -> ContactOutcome | None:
    """How ``event`` says the contact left automation; None if it says nothing of it."""
    match event:
        case InteractionEscalated():
            return ContactOutcome.ESCALATED
        case AutomationCompleted(resolved=True):
            return ContactOutcome.RESOLVED_IN_AUTOMATION
        case AutomationCompleted(resolved=False):
            return ContactOutcome.FAILED_IN_AUTOMATION
        case InteractionAbandoned(stage="ivr" | "self_service"):
            return ContactOutcome.ABANDONED
        case InteractionAbandoned() if line is not None and line.target in _AUTOMATED:
            return ContactOutcome.ABANDONED
        case _:
            return None


def _kept(previous: ContactOutcome | None, new: ContactOutcome | None) -> ContactOutcome | None:
    """A failure in automation is never overwritten: it is what the guardrail reads,
    whatever the contact's target and outcome become afterwards."""
    if previous in AUTOMATION_FAILURES or new is None:
        return previous
    return new


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
    reason still sees it; other events update its outcome. How the contact left
    automation is kept apart (``automation_outcome``): the escalation's new
    target must not hide that automation failed the customer. An automation
    outcome for a contact with no line (its arrival was decided while history
    could not be written) adds one. Lines older than ``max_age`` or beyond the
    newest ``keep`` drop off.
    """
    cut_off = now - max_age  # once, not a subtraction per line (the same test, exactly)
    lines = [line for line in recent if line.at >= cut_off]
    index = next(
        (i for i, line in enumerate(lines) if line.interaction_id == event.interaction_id), None
    )
    previous = lines[index] if index is not None else None
    automation = _automation_outcome(event, previous)
    if decision is not None:
        # Every value comes from the validated event and decision (the same field
        # types on both models): built without validating them a second time.
        line = construct_validated(
            RecentContact,
            {
                "interaction_id": event.interaction_id,
                "at": previous.at if previous is not None else event.time,
                "channel": event.channel,
                # An escalation that names no reason keeps the one its arrival gave.
                "reason": decision.reason or (previous.reason if previous is not None else None),
                "target": decision.target,
                "queue": decision.queue,
                "pool": decision.pool,
                "overflow_pools": tuple(
                    dict.fromkeys(s.pool for s in decision.overflow if s.pool != decision.pool)
                )
                if decision.overflow
                else (),
                "agent_id": None,
                "outcome": (
                    ContactOutcome.ESCALATED
                    if isinstance(event, InteractionEscalated)
                    else ContactOutcome.ROUTED
                ),
                "automation_outcome": _kept(
                    previous.automation_outcome if previous is not None else None, automation
                ),
            },
        )
        if index is None:
            lines.append(line)
        else:
            lines[index] = line
    else:
        outcome = _outcome(event)
        if outcome is not None and previous is not None and index is not None:
            update: dict[str, object] = {
                "outcome": outcome,
                "automation_outcome": _kept(previous.automation_outcome, automation),
            }
            reason = getattr(event, "reason", None)
            confirmed = isinstance(event, InteractionEnded) and event.handled_by == "agent"
            if reason and (previous.reason is None or confirmed):
                # An agent's wrap-up code confirms (or corrects) the reason: the
                # repeat-contact guardrail and the reports read the confirmed one.
                update["reason"] = reason
            if isinstance(event, InteractionEnded) and event.agent_id:
                update["agent_id"] = event.agent_id
            lines[index] = previous.model_copy(update=update)
        elif automation is not None and isinstance(
            event, AutomationCompleted | InteractionAbandoned
        ):
            lines.append(
                construct_validated(
                    RecentContact,
                    {
                        "interaction_id": event.interaction_id,
                        "at": event.time,
                        "channel": event.channel,
                        "reason": event.reason,
                        "target": ContactTarget(event.stage),  # ivr or self_service, as matched
                        "queue": None,
                        "pool": None,
                        "overflow_pools": (),
                        "agent_id": None,
                        "outcome": automation,
                        "automation_outcome": automation,
                    },
                )
            )
    return tuple(lines[-keep:])
