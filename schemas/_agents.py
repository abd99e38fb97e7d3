"""Agent events: what agent desktops publish to ``omniroute.agent-events`` (key: agent id).

Every event names the agent's pool, so the assigner can re-key it to the one
worker that owns that pool without a lookup. An agent who works in several pools
names the others in ``pools``: log-in, presence and log-out go to each of them,
and the assigner keeps one capacity ledger for the agent across them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from ._common import (
    AgentId,
    Channel,
    ContactReason,
    ContractEnum,
    Envelope,
    Integer,
    InteractionId,
    OfferId,
    QueueName,
    SkillName,
)
from ._decisions import SkillRequirement
from ._transfers import TransferMode, TransferNote

__all__ = [
    "AgentEvent",
    "AgentEventAdapter",
    "AgentLoggedIn",
    "AgentLoggedOut",
    "AgentPresence",
    "AgentStateChanged",
    "NotReadyReason",
    "OfferAccepted",
    "OfferRejected",
    "TransferRequested",
    "WorkCompleted",
    "WrapUp",
    "WrapUpEnded",
]

NotReadyReason = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
]
"""Why an agent is not ready (``lunch``, ``training``...): one of its pool's configured
reasons; ``missed_offers`` is the assigner's own (it paused the agent)."""


class AgentPresence(ContractEnum):
    """What the agent said about themselves. Busy-ness is derived from their work."""

    READY = "ready"
    NOT_READY = "not_ready"


class _AgentBase(Envelope):
    agent_id: AgentId
    pool: QueueName
    pools: list[QueueName] = Field(
        default_factory=list,
        max_length=16,
        description="Other pools the agent works in: the event goes to each of them too.",
    )


class AgentLoggedIn(_AgentBase):
    """The agent opened their desktop: skills, per-channel capacity and a total."""

    type: Literal["omniroute.agent.logged_in"] = "omniroute.agent.logged_in"
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    queues: list[QueueName] = Field(min_length=1, max_length=64)
    skills: dict[SkillName, Annotated[Integer, Field(ge=1, le=10)]] = Field(default_factory=dict)
    capacity: dict[Channel, Annotated[Integer, Field(ge=0, le=50)]] = Field(
        default_factory=lambda: {Channel.VOICE: 1},
        description="How many contacts of each channel at once, e.g. {voice: 1} or {chat: 3}.",
    )
    max_total: Integer = Field(default=1, ge=1, le=50, description="Cap across all channels.")
    presence: AgentPresence = AgentPresence.NOT_READY


class AgentLoggedOut(_AgentBase):
    type: Literal["omniroute.agent.logged_out"] = "omniroute.agent.logged_out"


class AgentStateChanged(_AgentBase):
    type: Literal["omniroute.agent.state_changed"] = "omniroute.agent.state_changed"
    presence: AgentPresence
    note: Annotated[str, StringConstraints(max_length=64)] = ""
    reason: NotReadyReason | None = Field(
        default=None, description="Why not ready: one of the pool's configured reasons."
    )


class OfferAccepted(_AgentBase):
    type: Literal["omniroute.agent.offer_accepted"] = "omniroute.agent.offer_accepted"
    offer_id: OfferId
    interaction_id: InteractionId


class OfferRejected(_AgentBase):
    type: Literal["omniroute.agent.offer_rejected"] = "omniroute.agent.offer_rejected"
    offer_id: OfferId
    interaction_id: InteractionId
    note: Annotated[str, StringConstraints(max_length=64)] = ""


class TransferRequested(_AgentBase):
    """Hand an assigned contact to a queue or a named agent, of this pool or
    (``to_pool``, cold only) another. Cold: it leaves the agent at once; warm: the
    agent keeps it until the other accepts, and keeps it if they do not."""

    type: Literal["omniroute.agent.transfer_requested"] = "omniroute.agent.transfer_requested"
    interaction_id: InteractionId
    to_queue: QueueName | None = None
    to_agent: AgentId | None = Field(
        default=None,
        description="Waits for this agent alone for the pool's hold time, then for any "
        "agent of that agent's queue (``to_queue`` if the agent serves it).",
    )
    to_pool: QueueName | None = Field(default=None, description="Another pool; None: this one.")
    mode: TransferMode = "cold"
    note: TransferNote = ""
    required_skills: tuple[SkillRequirement, ...] = Field(default=(), max_length=16)
    priority: Integer | None = Field(
        default=None, ge=0, le=1000, description="Raise the contact's priority to this."
    )

    @model_validator(mode="after")
    def _names_a_target(self) -> TransferRequested:
        if self.to_queue is None and self.to_agent is None:
            raise ValueError("a transfer names to_queue, to_agent or both")
        return self


class WrapUp(BaseModel):
    """The wrap-up code: how the contact ended and the reason the agent confirmed."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    outcome: Literal["resolved", "unresolved", "transferred"] = "resolved"
    reason: ContactReason | None = Field(
        default=None, description="The contact reason as the agent confirmed it."
    )


class WorkCompleted(_AgentBase):
    """The agent finished talking or writing: after-contact work (wrap-up) starts,
    and the agent's capacity stays held for the queue's wrap-up time (none: freed at
    once). The assigner tells the router who served the customer and how it ended
    (an ``InteractionEnded`` with the agent, the outcome and the confirmed reason)."""

    type: Literal["omniroute.agent.work_completed"] = "omniroute.agent.work_completed"
    interaction_id: InteractionId
    wrap_up: WrapUp = WrapUp()


class WrapUpEnded(_AgentBase):
    """The agent finished after-contact work before the queue's wrap-up time ran out."""

    type: Literal["omniroute.agent.wrap_up_ended"] = "omniroute.agent.wrap_up_ended"
    interaction_id: InteractionId


AgentEvent = Annotated[
    AgentLoggedIn
    | AgentLoggedOut
    | AgentStateChanged
    | OfferAccepted
    | OfferRejected
    | TransferRequested
    | WorkCompleted
    | WrapUpEnded,
    Field(discriminator="type"),
]
AgentEventAdapter: TypeAdapter[AgentEvent] = TypeAdapter(AgentEvent)
