"""Routing decisions: what the router publishes to ``omniroute.decisions`` (key: customer id)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ._common import (
    Channel,
    ContactReason,
    CustomerId,
    Envelope,
    InteractionId,
    QueueName,
    SkillName,
    Tier,
)
from ._customers import ContactTarget, RecentContact

__all__ = [
    "CustomerContext",
    "Explanation",
    "ExplanationKind",
    "RoutingDecision",
    "SkillRequirement",
]


class ExplanationKind(StrEnum):
    RULE = "rule"
    GUARDRAIL = "guardrail"
    DEFAULT = "default"
    DEGRADED = "degraded"


class Explanation(BaseModel):
    """One step of "why": a rule or guardrail that fired and what it did."""

    model_config = ConfigDict(frozen=True)

    kind: ExplanationKind
    name: Annotated[str, StringConstraints(max_length=128)]
    detail: Annotated[str, StringConstraints(max_length=512)] = ""


class SkillRequirement(BaseModel):
    """A skill the handling agent needs, at a minimum proficiency (1-10)."""

    model_config = ConfigDict(frozen=True)

    skill: SkillName
    min_proficiency: int = Field(default=1, ge=1, le=10)


class CustomerContext(BaseModel):
    """What the agent desktop shows so the customer never has to repeat themselves."""

    model_config = ConfigDict(frozen=True)

    customer_id: CustomerId
    known: bool = Field(description="False when no profile was found (or Redis was unreachable).")
    name: str = ""
    tier: Tier = Tier.STANDARD
    arpu: float = 0.0
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
    priority: int = Field(default=0, ge=0, le=1000, description="Higher is served first.")
    max_wait_seconds: float | None = Field(
        default=None, ge=0, description="Longest acceptable wait; past it the contact outranks all."
    )
    service_target_seconds: float | None = Field(
        default=None, ge=0, description="The channel's service-level threshold."
    )
    perceived_wait_offset_seconds: float = Field(
        default=0.0, ge=0, description="Time already spent in IVR/self-service before this queue."
    )
    required_skills: tuple[SkillRequirement, ...] = ()
    preferred_agent_id: str | None = None
    offer_allowed: bool = Field(default=False, description="A sales offer may ride along.")
    expected_cost: float = Field(
        default=0.0, ge=0, description="Expected handling cost of the target."
    )
    automation_path: tuple[str, ...] = ()
    explanation: tuple[Explanation, ...] = ()
    policy_version: str
    degraded: bool = Field(default=False, description="Decided without the customer's record.")
    customer: CustomerContext
