"""Building contacts, customers and loads for policy tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from omniroute.router.core import CustomerRecord
from omniroute.schemas import (
    Channel,
    ContactOutcome,
    ContactTarget,
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    PoolLoad,
    RecentContact,
    Tier,
    new_event_id,
)

NOW = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


def arrival(channel: Channel = Channel.VOICE, **fields: Any) -> InteractionArrived:
    return InteractionArrived.model_validate(
        {
            "id": "e-now",
            "source": "/t",
            "interaction_id": "i-now",
            "customer_id": "c1",
            "channel": channel,
            "time": NOW,
        }
        | fields
    )


def escalation(channel: Channel = Channel.VOICE, **fields: Any) -> InteractionEscalated:
    return InteractionEscalated.model_validate(
        {
            "id": "e-now",
            "source": "/t",
            "interaction_id": "i-now",
            "customer_id": "c1",
            "channel": channel,
            "from_stage": "ivr",
            "time": NOW,
        }
        | fields
    )


def customer(
    tier: Tier = Tier.STANDARD,
    arpu: float = 40.0,
    segment: str | None = "budget",
    recent: tuple[RecentContact, ...] = (),
) -> CustomerRecord:
    profile = CustomerProfile(customer_id="c1", name="Ada", tier=tier, arpu=arpu, segment=segment)
    return CustomerRecord("c1", profile, recent)


def earlier(
    ago: timedelta,
    *,
    reason: str = "billing",
    target: ContactTarget = ContactTarget.IVR,
    outcome: ContactOutcome = ContactOutcome.RESOLVED_IN_AUTOMATION,
    agent_id: str | None = None,
) -> RecentContact:
    return RecentContact(
        interaction_id=f"i-{ago.total_seconds():.0f}",
        at=NOW - ago,
        channel=Channel.VOICE,
        reason=reason,
        target=target,
        outcome=outcome,
        agent_id=agent_id,
    )


def load(pool: str = "care", occupancy: float = 0.5, estimated_wait: float = 5.0) -> PoolLoad:
    return PoolLoad(
        id=new_event_id(),
        source="/t",
        pool=pool,
        queued=3,
        longest_wait_seconds=4.0,
        agents_logged_in=20,
        agents_ready=5,
        occupancy=occupancy,
        estimated_wait_seconds=estimated_wait,
    )
