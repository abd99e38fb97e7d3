"""What omniroute knows about a customer: the profile and the recent-contact summary.

Both live in Redis as one serialized value per key (``cust:{id}``, ``recent:{id}``),
so that a whole batch of events is looked up with a single ``MGET``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ._common import (
    Channel,
    ContactReason,
    ContractEnum,
    CustomerId,
    InteractionId,
    Number,
    QueueName,
    Tier,
    Timestamp,
)

__all__ = ["ContactOutcome", "ContactTarget", "CustomerProfile", "RecentContact", "RecentContacts"]


class ContactTarget(ContractEnum):
    """Where a contact was sent: the three destinations of a routing decision."""

    IVR = "ivr"
    SELF_SERVICE = "self_service"
    AGENT_QUEUE = "agent_queue"


class ContactOutcome(ContractEnum):
    """How far a contact got. ``ROUTED`` is the state right after the decision."""

    ROUTED = "routed"
    RESOLVED_IN_AUTOMATION = "resolved_in_automation"
    FAILED_IN_AUTOMATION = "failed_in_automation"
    ESCALATED = "escalated"
    ABANDONED = "abandoned"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    TRANSFERRED = "transferred"


class CustomerProfile(BaseModel):
    """The customer record front ends and CRM keep up to date (``cust:{id}``)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False, extra="ignore")

    customer_id: CustomerId
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    tier: Tier = Tier.STANDARD
    arpu: Number = Field(
        default=0.0,
        ge=0,
        le=1e9,
        description="Average monthly revenue, account currency; finite, at most 1e9.",
    )
    segment: Annotated[str, StringConstraints(max_length=64)] | None = None
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    preferred_channel: Channel | None = None


class RecentContact(BaseModel):
    """One line of the customer's recent history: enough for repeat and failure rules."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False, extra="ignore")

    interaction_id: InteractionId
    at: Timestamp
    channel: Channel
    reason: ContactReason | None = None
    target: ContactTarget | None = None
    queue: QueueName | None = None
    pool: QueueName | None = None
    overflow_pools: tuple[QueueName, ...] = Field(
        default=(),
        description="Pools an overflow step may move the contact to: follow-ups go there too.",
    )
    agent_id: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, description="Who handled it, once an agent ended it (for sticky routing)."
    )
    outcome: ContactOutcome = ContactOutcome.ROUTED
    automation_outcome: ContactOutcome | None = Field(
        default=None,
        description=(
            "How the contact left IVR/self-service, if it was there: resolved_in_automation, "
            "failed_in_automation, escalated or abandoned. Kept when it moves on to an agent, "
            "so the failed-automation guardrail still sees it."
        ),
    )


class RecentContacts(BaseModel):
    """The bounded recent-contact summary kept at ``recent:{id}``, newest last."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False, extra="ignore")

    contacts: tuple[RecentContact, ...] = ()
