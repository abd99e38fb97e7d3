"""Agent events: what agent desktops publish to ``omniroute.agent-events`` (key: agent id).

Every event names the agent's pool, so the assigner can re-key it to the one
worker that owns that pool without a lookup. An agent who works in several pools
names the others in ``pools``: log-in, presence and log-out go to each of them,
and the assigner keeps one capacity ledger for the agent across them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from ._common import (
    AgentId,
    Channel,
    ContactReason,
    Envelope,
    Integer,
    InteractionId,
    OfferId,
    QueueName,
    SkillName,
)

__all__ = [
    "AgentEvent",
    "AgentEventAdapter",
    "AgentLoggedIn",
    "AgentLoggedOut",
    "AgentPresence",
    "AgentStateChanged",
    "OfferAccepted",
    "OfferRejected",
    "WorkCompleted",
    "WrapUp",
    "WrapUpEnded",
]


class AgentPresence(StrEnum):
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


class OfferAccepted(_AgentBase):
    type: Literal["omniroute.agent.offer_accepted"] = "omniroute.agent.offer_accepted"
    offer_id: OfferId
    interaction_id: InteractionId


class OfferRejected(_AgentBase):
    type: Literal["omniroute.agent.offer_rejected"] = "omniroute.agent.offer_rejected"
    offer_id: OfferId
    interaction_id: InteractionId
    note: Annotated[str, StringConstraints(max_length=64)] = ""


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
    | WorkCompleted
    | WrapUpEnded,
    Field(discriminator="type"),
]
AgentEventAdapter: TypeAdapter[AgentEvent] = TypeAdapter(AgentEvent)
