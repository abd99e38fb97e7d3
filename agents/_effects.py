"""What a pool mutation asks the stage to publish. Plain values, no I/O: the
stage turns them into wire messages with ``_wire.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from omniroute.schemas import Channel, CustomerContext, Explanation

from ._model import Contact

if TYPE_CHECKING:
    from ._transfers import Transfer

__all__ = [
    "AgentPaused",
    "ContactAssigned",
    "ContactHandedOver",
    "ContactOverflowed",
    "Effect",
    "OfferPlan",
    "OfferRevocation",
    "RevokeWhy",
    "TransferOutcome",
    "TransferSettled",
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
    transfers: tuple[Transfer, ...] = ()
    """The contact's transfers, oldest first: who handed it on, and why."""


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


TransferOutcome = Literal["handed_over", "completed", "declined", "refused"]
"""``handed_over``: a cold transfer left the agent; ``completed``/``declined``: the
other agent of a warm transfer accepted, or rejected or let it time out (the
contact stays with the first); ``refused``: nothing changed."""


@dataclass(frozen=True, slots=True)
class TransferSettled:
    """What became of an agent's transfer request: tell the transferring desktop."""

    transfer_id: str
    agent_id: str
    interaction_id: str
    from_queue: str
    to_queue: str
    to_agent: str | None
    outcome: TransferOutcome
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ContactHandedOver:
    """A cold transfer to another pool: queue ``contact`` there (an assigner input
    keyed by ``to_pool``), held for ``hold_for`` alone for ``hold_seconds``."""

    to_pool: str
    contact: Contact
    hold_for: str | None
    hold_seconds: float

    @property
    def agent_id(self) -> str:
        """The agent who handed it over (the stage keys assignments by agent)."""
        return self.contact.transfers[-1].from_agent


Effect = (
    OfferPlan
    | OfferRevocation
    | ContactAssigned
    | AgentPaused
    | ContactOverflowed
    | TransferSettled
    | ContactHandedOver
)


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
