"""Transfers on the contract: how an offer explains a transfer, what the transferring
desktop is told, and how a contact moves to another pool's assigner.

The request itself is an agent event (``TransferRequested`` in ``_agents``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ._common import (
    AgentId,
    Channel,
    ContactReason,
    CustomerId,
    Envelope,
    Flag,
    Integer,
    InteractionId,
    Number,
    QueueName,
    Timestamp,
)
from ._decisions import CustomerContext, Explanation, SkillRequirement

__all__ = [
    "TRANSFER_NOTE_MAX",
    "TransferInfo",
    "TransferMode",
    "TransferNote",
    "TransferResult",
    "TransferredContact",
]

TRANSFER_NOTE_MAX = 256
"""Longest note an agent may hand on with a transfer."""
TransferNote = Annotated[str, StringConstraints(max_length=TRANSFER_NOTE_MAX)]
TransferMode = Literal["cold", "warm"]


class TransferInfo(BaseModel):
    """One transfer of a contact: who handed it on, from where, to where, and why."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    transfer_id: str = Field(max_length=128, description="The request's event id.")
    from_agent: AgentId
    from_queue: QueueName
    from_pool: QueueName
    to_queue: QueueName
    to_agent: AgentId | None = None
    mode: TransferMode = "cold"
    note: TransferNote = ""
    at: Timestamp


class TransferResult(Envelope):
    """To the transferring agent's desktop (key: its agent id): what became of the
    transfer. ``handed_over``: a cold transfer left you; ``completed``: the other
    agent of a warm transfer accepted, the contact is theirs; ``declined``: they
    rejected it or let it time out, and it is still yours; ``refused``: nothing
    changed (``detail`` says why)."""

    type: Literal["omniroute.transfer.result"] = "omniroute.transfer.result"
    transfer_id: str = Field(max_length=128)
    agent_id: AgentId
    pool: QueueName
    interaction_id: InteractionId
    outcome: Literal["handed_over", "completed", "declined", "refused"]
    from_queue: QueueName | None = None
    to_queue: QueueName | None = None
    to_agent: AgentId | None = None
    detail: Annotated[str, StringConstraints(max_length=200)] = ""


class TransferredContact(Envelope):
    """A contact a cold transfer hands to another pool (assigner input, key = that
    pool): everything the receiving pool needs to queue it at its original place."""

    type: Literal["omniroute.assigner.transferred_contact"] = (
        "omniroute.assigner.transferred_contact"
    )
    pool: QueueName
    interaction_id: InteractionId
    customer_id: CustomerId
    channel: Channel
    queue: QueueName
    priority: Integer = Field(default=0, ge=0, le=1000)
    enqueued_at: Timestamp = Field(description="The original queue entry: aging counts from it.")
    perceived_wait_offset_seconds: Number = Field(default=0.0, ge=0)
    max_wait_seconds: Number | None = Field(default=None, ge=0)
    required_skills: tuple[SkillRequirement, ...] = ()
    preferred_agent_id: AgentId | None = None
    callback: Flag = False
    reason: ContactReason | None = None
    automation_path: tuple[str, ...] = ()
    customer: CustomerContext
    transfers: tuple[TransferInfo, ...] = Field(default=(), max_length=8)
    explanation: tuple[Explanation, ...] = Field(
        default=(), max_length=16, description="Why it reached this pool: the transfer."
    )
    attempts: Integer = Field(
        default=0, ge=0, description="Offers it has had: its next offer id continues from them."
    )
    hold_for: AgentId | None = Field(
        default=None, description="A named agent the contact waits for alone at first."
    )
    hold_seconds: Number = Field(default=0.0, ge=0)
