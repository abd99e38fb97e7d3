"""Routing decisions: what the router publishes to ``omniroute.decisions`` (key: customer id)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ._common import (
    Channel,
    ContactReason,
    ContractEnum,
    CustomerId,
    Envelope,
    Flag,
    Integer,
    InteractionId,
    Number,
    QueueName,
    SkillName,
    Tier,
)
from ._customers import ContactTarget, RecentContact

__all__ = [
    "EXPLANATION_DETAIL_MAX",
    "EXPLANATION_NAME_MAX",
    "CustomerContext",
    "Explanation",
    "ExplanationKind",
    "OverflowStep",
    "RoutingDecision",
    "SkillRequirement",
]


EXPLANATION_NAME_MAX = 128
"""Longest rule or guardrail name an explanation carries; policies are held to it."""
EXPLANATION_DETAIL_MAX = 512
"""Longest explanation detail; a policy rule's description is copied into it."""


class ExplanationKind(ContractEnum):
    RULE = "rule"
    GUARDRAIL = "guardrail"
    DEFAULT = "default"
    DEGRADED = "degraded"
    TRANSFER = "transfer"
    """An agent handed the contact on (on offers only, never on a decision)."""


class Explanation(BaseModel):
    """One step of "why": a rule or guardrail that fired and what it did."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    kind: ExplanationKind
    name: Annotated[str, StringConstraints(max_length=EXPLANATION_NAME_MAX)]
    detail: Annotated[str, StringConstraints(max_length=EXPLANATION_DETAIL_MAX)] = ""


class SkillRequirement(BaseModel):
    """A skill the handling agent needs, at a minimum proficiency (1-10)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    skill: SkillName
    min_proficiency: Integer = Field(default=1, ge=1, le=10)


class OverflowStep(BaseModel):
    """Where a contact still queued after ``after_seconds`` goes next: the policy's
    overflow steps (TaskRouter workflow steps, Connect routing steps, Genesys
    bullseye rings), copied onto the decision so the assigner needs no policy."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    after_seconds: Number = Field(gt=0, description="Seconds in queue since the queue entry.")
    queue: QueueName
    pool: QueueName
    required_skills: tuple[SkillRequirement, ...] = Field(
        default=(), description="What the target queue asks of its agents."
    )


class CustomerContext(BaseModel):
    """What the agent desktop shows so the customer never has to repeat themselves."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    customer_id: CustomerId
    known: Flag = Field(description="False when no profile was found (or Redis was unreachable).")
    name: str = ""
    tier: Tier = Tier.STANDARD
    arpu: Number = 0.0
    segment: str | None = None
    language: str | None = None
    preferred_channel: Channel | None = None
    recent_contacts: tuple[RecentContact, ...] = ()


class RoutingDecision(Envelope):
    """Where one contact goes and why. Front ends act on IVR and self-service
    decisions; the assigner queues the ``agent_queue`` ones."""

    type: Literal["omniroute.decision"] = "omniroute.decision"
    interaction_id: InteractionId
    customer_id: CustomerId
    channel: Channel
    cause_id: str = Field(description="The id of the interaction event this decides on.")
    cause_type: str
    reason: ContactReason | None = None
    target: ContactTarget
    queue: QueueName | None = None
    pool: QueueName | None = None
    priority: Integer = Field(default=0, ge=0, le=1000, description="Higher is served first.")
    max_wait_seconds: Number | None = Field(
        default=None, ge=0, description="Longest acceptable wait; past it the contact outranks all."
    )
    service_target_seconds: Number | None = Field(
        default=None, ge=0, description="The channel's service-level threshold."
    )
    perceived_wait_offset_seconds: Number = Field(
        default=0.0, ge=0, description="Time already spent in IVR/self-service before this queue."
    )
    required_skills: tuple[SkillRequirement, ...] = ()
    preferred_agent_id: str | None = None
    offer_allowed: Flag = Field(default=False, description="A sales offer may ride along.")
    expected_cost: Number = Field(
        default=0.0, ge=0, description="Expected handling cost of the target."
    )
    automation_path: tuple[str, ...] = ()
    explanation: tuple[Explanation, ...] = ()
    policy_version: str
    degraded: Flag = Field(default=False, description="Decided without the customer's record.")
    customer: CustomerContext
    overflow: tuple[OverflowStep, ...] = Field(
        default=(),
        description="Where the contact goes if still queued after each step's wait, in order.",
    )
    closed_queue: QueueName | None = Field(
        default=None,
        description="The queue the contact was for, closed when it arrived (policy hours): "
        "the decision is the policy's closed-hours route instead.",
    )
