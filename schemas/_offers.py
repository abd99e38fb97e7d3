"""Offers and assignments: what the assigner publishes to ``omniroute.assignments``
(key: agent id), which agent desktops consume."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from ._common import (
    AgentId,
    Channel,
    ContactReason,
    Envelope,
    Flag,
    Integer,
    InteractionId,
    Number,
    OfferId,
    QueueName,
    Timestamp,
)
from ._decisions import CustomerContext, Explanation
from ._transfers import TransferInfo, TransferResult

__all__ = [
    "AgentPausedNotice",
    "AssignmentMessage",
    "AssignmentMessageAdapter",
    "Offer",
    "OfferAssigned",
    "OfferRevoked",
]


class _OfferBase(Envelope):
    offer_id: OfferId
    agent_id: AgentId
    interaction_id: InteractionId
    pool: QueueName
    queue: QueueName


class Offer(_OfferBase):
    """A contact reserved for one agent until ``expires_at``: accept or reject it."""

    type: Literal["omniroute.offer"] = "omniroute.offer"
    channel: Channel
    priority: Integer
    enqueued_at: Timestamp = Field(description="Original queue entry; kept across re-offers.")
    expires_at: Timestamp
    attempt: Integer = Field(default=1, ge=1, description="How many offers this contact has had.")
    callback: Flag = Field(
        default=False, description="Call the customer back; they kept their place."
    )
    reason: ContactReason | None = None
    automation_path: tuple[str, ...] = ()
    automation_seconds: Number = 0.0
    offer_allowed: Flag = Field(
        default=False,
        description="A sales offer may ride along: the pool was idle when it was routed "
        "(sell when idle, serve when busy).",
    )
    customer: CustomerContext
    explanation: tuple[Explanation, ...] = Field(
        default=(), description="Why this contact reached this pool, e.g. an overflow step."
    )
    transfers: tuple[TransferInfo, ...] = Field(
        default=(),
        max_length=8,
        description="The contact's transfers, oldest first: who handed it on, and why.",
    )


class OfferAssigned(_OfferBase):
    """The agent accepted: the contact is theirs."""

    type: Literal["omniroute.offer.assigned"] = "omniroute.offer.assigned"
    enqueued_at: Timestamp
    waited_seconds: Number = Field(ge=0, description="Queue entry to acceptance.")


class OfferRevoked(_OfferBase):
    """The offer is void: it timed out, the customer left, or the agent logged out."""

    type: Literal["omniroute.offer.revoked"] = "omniroute.offer.revoked"
    why: Literal["timeout", "abandoned", "agent_logged_out", "superseded"]


class AgentPausedNotice(Envelope):
    """The assigner set the agent not-ready after repeated missed offers, so no
    contact waits on a desk nobody sits at; the desktop shows why."""

    type: Literal["omniroute.agent.paused"] = "omniroute.agent.paused"
    agent_id: AgentId
    pool: QueueName
    misses: Integer = Field(ge=1)


AssignmentMessage = Annotated[
    Offer | OfferAssigned | OfferRevoked | AgentPausedNotice | TransferResult,
    Field(discriminator="type"),
]
AssignmentMessageAdapter: TypeAdapter[AssignmentMessage] = TypeAdapter(AssignmentMessage)
