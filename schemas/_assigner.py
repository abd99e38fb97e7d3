"""The assigner's input: everything that changes a pool, on one topic keyed by pool
(``omniroute.assigner-input``), so one worker owns a pool and sees its events in order.

The router writes agent-queue decisions and the follow-ups of queued contacts
here; the assigner re-keys agent events here; its own timer writes ticks here,
so time-driven changes (offer timeouts, aging, widening) are ordered with the rest.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from ._agents import AgentEvent
from ._common import CustomerId, Envelope, InteractionId, QueueName, Timestamp
from ._decisions import RoutingDecision
from ._transfers import TransferredContact

__all__ = ["AssignerInput", "AssignerInputAdapter", "InteractionUpdate", "PoolTick"]


class InteractionUpdate(Envelope):
    """What happened to a contact the pool holds, forwarded by the router with the
    pool its history says the contact went to."""

    type: Literal["omniroute.assigner.interaction_update"] = "omniroute.assigner.interaction_update"
    pool: QueueName
    interaction_id: InteractionId
    customer_id: CustomerId
    update: Literal["abandoned", "ended", "callback_requested"]
    cause_id: str


class PoolTick(Envelope):
    """Time passing for one pool: expire offers, re-rank by wait, publish load."""

    type: Literal["omniroute.assigner.tick"] = "omniroute.assigner.tick"
    pool: QueueName
    now: Timestamp


AssignerInput = Annotated[
    RoutingDecision | InteractionUpdate | PoolTick | TransferredContact | AgentEvent,
    Field(discriminator="type"),
]
AssignerInputAdapter: TypeAdapter[AssignerInput] = TypeAdapter(AssignerInput)
