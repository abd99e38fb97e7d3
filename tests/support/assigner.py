"""Inputs for the assignment stage, built as the router would send them."""

from __future__ import annotations

from omniroute.router.stages.assignment import PoolRecords
from omniroute.schemas import (
    Channel,
    ContactTarget,
    CustomerContext,
    RoutingDecision,
    new_event_id,
)


def queued_decision(
    interaction: str,
    customer: str,
    *,
    queue: str,
    pool: str,
    channel: Channel = Channel.CHAT,
    priority: int = 0,
    max_wait_seconds: int = 300,
) -> RoutingDecision:
    """An agent-queue decision for ``interaction``, with a known customer."""
    return RoutingDecision(
        id=new_event_id(),
        source="/t",
        interaction_id=interaction,
        customer_id=customer,
        channel=channel,
        cause_id=f"e-{interaction}",
        cause_type="omniroute.interaction.arrived",
        target=ContactTarget.AGENT_QUEUE,
        queue=queue,
        pool=pool,
        priority=priority,
        max_wait_seconds=max_wait_seconds,
        policy_version="t",
        customer=CustomerContext(customer_id=customer, known=True, name="A. Customer"),
    )


def no_records(pool: str) -> PoolRecords:
    """A changelog that holds nothing yet."""
    return [], [], []
