"""What a pool mutation asks the stage to publish. Plain values, no I/O: the
stage turns them into wire messages with ``_wire.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from omniroute.schemas import Channel, CustomerContext, Explanation

from ._model import Contact

__all__ = [
    "AgentPaused",
    "ContactAssigned",
    "ContactOverflowed",
    "Effect",
    "OfferPlan",
    "OfferRevocation",
    "RevokeWhy",
    "assigned_of",
    "revocation_of",
]

RevokeWhy = Literal["timeout", "abandoned", "agent_logged_out", "superseded"]


@dataclass(frozen=True, slots=True)
class OfferPlan:
    """A contact reserved for one agent until ``expires_at``: publish an ``Offer``."""

    offer_id: str
    agent_id: str
    interaction_id: str
    customer_id: str
    queue: str
    channel: Channel
    priority: int
    enqueued_at: float
    expires_at: float
    attempt: int
    callback: bool
    reason: str | None
    automation_path: tuple[str, ...]
    automation_seconds: float
    customer: CustomerContext | None
    explanation: tuple[Explanation, ...] = ()
    offer_allowed: bool = False


@dataclass(frozen=True, slots=True)
class OfferRevocation:
    """An offer the agent's desktop must drop (also sent for a stale accept)."""

    offer_id: str
    agent_id: str
    interaction_id: str
    queue: str
    why: RevokeWhy


@dataclass(frozen=True, slots=True)
class ContactAssigned:
    offer_id: str
    agent_id: str
    interaction_id: str
    queue: str
    enqueued_at: float
    waited_seconds: float


@dataclass(frozen=True, slots=True)
class AgentPaused:
    """The pool set the agent not-ready after too many missed offers: tell the desktop."""

    agent_id: str
    misses: int


@dataclass(frozen=True, slots=True)
class ContactOverflowed:
    """A queued contact left this pool by an overflow step: ``contact`` is how it
    goes on (target queue, remaining steps, the reason in its explanation);
    the stage sends it to ``pool`` as a decision, the simulator enqueues it there."""

    contact: Contact
    from_queue: str
    pool: str
    waited_seconds: float


Effect = OfferPlan | OfferRevocation | ContactAssigned | AgentPaused | ContactOverflowed


def revocation_of(contact: Contact, why: RevokeWhy) -> OfferRevocation:
    return OfferRevocation(
        offer_id=contact.offer_id or "",
        agent_id=contact.agent_id or "",
        interaction_id=contact.interaction_id,
        queue=contact.queue,
        why=why,
    )


def assigned_of(contact: Contact, assigned_at: float) -> ContactAssigned:
    return ContactAssigned(
        offer_id=contact.offer_id or "",
        agent_id=contact.agent_id or "",
        interaction_id=contact.interaction_id,
        queue=contact.queue,
        enqueued_at=contact.enqueued_at,
        waited_seconds=max(0.0, assigned_at - contact.enqueued_at),
    )
