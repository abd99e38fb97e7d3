"""Outbound coordination: departments ask before they contact a customer
(``omniroute.outbound-requests``, key: customer id) and omniroute answers each
request (``omniroute.outbound-decisions``, same key) with a verdict and its reason,
so one customer is not called three times in one day by three departments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ._common import Channel, ContactReason, CustomerId, Envelope, Identifier, QueueName, Timestamp

__all__ = [
    "OutboundKind",
    "OutboundReason",
    "OutboundRequest",
    "OutboundVerdict",
    "OutboundVerdictKind",
]

OutboundKind = Literal["collections", "marketing", "survey", "service"]
"""What the contact is for: marketing is held while queues are busy ("sell when
idle, serve when busy"); the others are service the customer needs."""
OutboundVerdictKind = Literal["approved", "deferred", "suppressed"]
OutboundReason = Literal[
    "clear",
    "quiet_hours",
    "daily_cap",
    "recent_contact",
    "pool_busy",
]


class OutboundRequest(Envelope):
    """A department wants to contact a customer."""

    type: Literal["omniroute.outbound.requested"] = "omniroute.outbound.requested"
    request_id: Identifier
    customer_id: CustomerId
    department: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="Who asks, e.g. 'collections', 'marketing', 'surveys'."
    )
    kind: OutboundKind
    channel: Channel
    pool: QueueName | None = Field(
        default=None,
        description="The agents who would make or take the contact; None: the policy's.",
    )
    reason: ContactReason | None = None


class OutboundVerdict(Envelope):
    """omniroute's answer to one request, and why."""

    type: Literal["omniroute.outbound.verdict"] = "omniroute.outbound.verdict"
    request_id: Identifier
    customer_id: CustomerId
    department: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kind: OutboundKind
    channel: Channel
    verdict: OutboundVerdictKind
    reason: OutboundReason
    detail: Annotated[str, StringConstraints(max_length=512)] = ""
    retry_after: Timestamp | None = Field(
        default=None, description="For a deferral: ask again from then."
    )
