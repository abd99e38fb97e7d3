"""The pure routing core's inputs and its one seam: no Kafka, Redis, clock or randomness.

The router stage, the simulator and the replay tool all call a ``RoutingPolicy``
with the same inputs, which is what lets a what-if replay run production code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from omniroute.schemas import (
    CustomerContext,
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    PoolLoad,
    RecentContact,
    RoutingDecision,
    Tier,
)

from ._construct import construct_validated

__all__ = ["RECENT_IN_CONTEXT", "CustomerRecord", "LoadView", "RoutableEvent", "RoutingPolicy"]

RoutableEvent = InteractionArrived | InteractionEscalated
"""The events that need a decision; the others only update history and queues."""

LoadView = Mapping[str, PoolLoad]
"""Latest load per pool name, as published by the assigner (may be empty)."""

RECENT_IN_CONTEXT = 5


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """What the router knows about a customer at decision time.

    ``lookup_failed`` means the record could not be had: Redis could not be asked,
    or what it holds for this customer is unreadable. The policy must then route
    with its safe default (an agent, never automation) and flag the decision.
    """

    customer_id: str
    profile: CustomerProfile | None
    recent: tuple[RecentContact, ...] = ()
    lookup_failed: bool = False

    def context(self) -> CustomerContext:
        """The slice of the record the agent desktop shows, newest contacts last."""
        profile = self.profile
        recent = self.recent[-RECENT_IN_CONTEXT:]
        if profile is None:
            return construct_validated(
                CustomerContext,
                {
                    "customer_id": self.customer_id,
                    "known": False,
                    "name": "",
                    "tier": Tier.STANDARD,
                    "arpu": 0.0,
                    "segment": None,
                    "language": None,
                    "preferred_channel": None,
                    "recent_contacts": recent,
                },
            )
        # From a validated profile and validated lines: no need to validate again.
        return construct_validated(
            CustomerContext,
            {
                "customer_id": self.customer_id,
                "known": True,
                "name": profile.name,
                "tier": profile.tier,
                "arpu": profile.arpu,
                "segment": profile.segment,
                "language": profile.language,
                "preferred_channel": profile.preferred_channel,
                "recent_contacts": recent,
            },
        )


class RoutingPolicy(Protocol):
    """Anything that decides where a contact goes. Must be pure and total:
    one decision for every event, never an exception for valid input."""

    @property
    def version(self) -> str: ...

    @property
    def pools(self) -> frozenset[str]:
        """Every pool the policy can send a contact to: where a follow-up goes when
        history cannot say which one holds the contact."""
        ...

    def route(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        load: LoadView,
        now: datetime,
        *,
        decision_id: str | None = None,
    ) -> RoutingDecision:
        """``decision_id``: the id the decision must carry (``route_events`` derives
        it from the event once); None: derive it (``omniroute.router.core.decision_id``)."""
        ...
