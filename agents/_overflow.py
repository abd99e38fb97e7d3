"""Overflow steps in the pool: a contact still queued when its next step's wait
has passed leaves for the step's queue (which may be in another pool), carrying
the reason for the agent who gets it. The steps come on the routing decision
(the policy's ``queues.X.overflow``), so the pool needs no policy."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable
from datetime import UTC, datetime

from omniroute.schemas import (
    ContactTarget,
    CustomerContext,
    Explanation,
    ExplanationKind,
    RoutingDecision,
    SkillRequirement,
    new_event_id,
)

from ._effects import ContactOverflowed
from ._model import Contact, ContactState

__all__ = [
    "OVERFLOW",
    "OVERFLOW_CAUSE",
    "OverflowClock",
    "overflow_decision",
    "overflow_explanation",
    "overflowed",
]

OVERFLOW = "overflow"
"""The explanation name an overflow step leaves on the contact (and on its offer)."""

OVERFLOW_CAUSE = "omniroute.overflow"
"""``cause_type`` of the decision an assigner sends to the pool a contact overflows to."""

_Lookup = Callable[[str], Contact | None]


class OverflowClock:
    """When each contact's next overflow step is due: a heap of (due, id, steps left),
    entries checked against the contact when they come up (lazy deletion)."""

    __slots__ = ("_heap",)

    def __init__(self) -> None:
        self._heap: list[tuple[float, str, int]] = []

    def arm(self, contact: Contact) -> None:
        if contact.overflow:
            due = contact.enqueued_at + contact.overflow[0].after_seconds
            heapq.heappush(self._heap, (due, contact.interaction_id, len(contact.overflow)))

    def _current(self, entry: tuple[float, str, int], lookup: _Lookup) -> Contact | None:
        contact = lookup(entry[1])
        if contact is None or len(contact.overflow) != entry[2]:
            return None
        if contact.callback:
            # The customer hung up to be called back by this queue's agents: the
            # decision that would move them carries no callback, so they stay.
            return None
        if contact.state is ContactState.ASSIGNED:
            return None
        return contact

    def next_timer(self, lookup: _Lookup) -> float | None:
        heap = self._heap
        while heap and self._current(heap[0], lookup) is None:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def due(self, now: float, lookup: _Lookup) -> list[Contact]:
        """Queued contacts whose next step is due by ``now``. One on offer is looked
        at again when its offer expires (accepted, it never overflows)."""
        heap, ready = self._heap, []
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            contact = self._current(entry, lookup)
            if contact is None:
                continue
            if contact.state is ContactState.QUEUED:
                ready.append(contact)
            else:
                later = max(now, contact.offer_expires_at or now) + 1e-6
                heapq.heappush(heap, (later, entry[1], entry[2]))
        return ready


def overflow_explanation(contact: Contact, pool: str, waited: float) -> Explanation:
    step = contact.overflow[0]
    return Explanation(
        kind=ExplanationKind.RULE,
        name=OVERFLOW,
        detail=f"overflowed from {contact.queue} (pool {pool}) after {waited:.0f} s "
        f"to {step.queue} (pool {step.pool})",
    )


def overflowed(contact: Contact, pool: str, now: float) -> ContactOverflowed:
    """The contact as it goes on to its next step: a fresh queued contact (the same
    queue entry, so waits and aging carry over) in the step's queue. The attempt
    count carries over too: offer ids (``interaction#attempt``) stay unique."""
    step = contact.overflow[0]
    waited = max(0.0, now - contact.enqueued_at)
    moved = dataclasses.replace(
        contact,
        queue=step.queue,
        requirements=tuple(sorted((r.skill, r.min_proficiency) for r in step.required_skills)),
        overflow=contact.overflow[1:],
        explanation=(*contact.explanation, overflow_explanation(contact, pool, waited)),
        state=ContactState.QUEUED,
        agent_id=None,
        offer_id=None,
        offer_expires_at=None,
        assigned_at=None,
        stage=0,
        overdue=False,
        slot=0,
        epoch=0,
        lane=None,
        held_by=None,
    )
    return ContactOverflowed(
        contact=moved, from_queue=contact.queue, pool=step.pool, waited_seconds=waited
    )


def overflow_decision(
    moved: ContactOverflowed, source: str, *, service_target: float | None
) -> RoutingDecision:
    """The decision that puts an overflowed contact in its new pool, through the
    assigner input topic (keyed by that pool, so its owner gets it). Its ``time`` is
    the original queue entry: waits, aging and the service level carry over."""
    contact = moved.contact
    return RoutingDecision(
        id=new_event_id(),
        source=source,
        time=datetime.fromtimestamp(contact.enqueued_at, UTC),
        interaction_id=contact.interaction_id,
        customer_id=contact.customer_id,
        channel=contact.channel,
        cause_id=contact.interaction_id,
        cause_type=OVERFLOW_CAUSE,
        reason=contact.reason,
        target=ContactTarget.AGENT_QUEUE,
        queue=contact.queue,
        pool=moved.pool,
        priority=contact.priority,
        max_wait_seconds=contact.max_wait,
        service_target_seconds=service_target,
        perceived_wait_offset_seconds=contact.wait_offset,
        required_skills=tuple(
            SkillRequirement(skill=skill, min_proficiency=level)
            for skill, level in contact.requirements
        ),
        preferred_agent_id=contact.preferred_agent,
        automation_path=contact.automation_path,
        explanation=contact.explanation,
        policy_version=OVERFLOW_CAUSE,
        customer=contact.customer or CustomerContext(customer_id=contact.customer_id, known=False),
        overflow=contact.overflow,
    )
