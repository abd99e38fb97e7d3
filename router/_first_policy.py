"""The walking skeleton's policy: tier and channel decide the target.

Kept as the fallback the router uses when no policy file is configured and as a
baseline for replay comparisons; the declarative policy replaces it in production.
"""

from __future__ import annotations

from datetime import datetime

from omniroute.schemas import (
    Channel,
    ContactTarget,
    Explanation,
    ExplanationKind,
    InteractionEscalated,
    RoutingDecision,
    Tier,
)

from ._core import CustomerRecord, LoadView, RoutableEvent

__all__ = ["FirstPolicy"]

_AUTOMATION_BY_CHANNEL = {
    Channel.VOICE: ContactTarget.IVR,
    Channel.WEB: ContactTarget.SELF_SERVICE,
    Channel.CHAT: ContactTarget.SELF_SERVICE,
    Channel.SMS: ContactTarget.SELF_SERVICE,
    Channel.SOCIAL: ContactTarget.SELF_SERVICE,
}
_PRIORITY = {Tier.VIP: 90, Tier.GOLD: 70, Tier.SILVER: 50, Tier.STANDARD: 30}
_COST = {ContactTarget.IVR: 0.36, ContactTarget.SELF_SERVICE: 0.36}
_AGENT_COST = 5.00


class FirstPolicy:
    """VIP and gold to the priority queue, others to automation where the channel has it."""

    version = "first-1"

    def route(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        load: LoadView,
        now: datetime,
    ) -> RoutingDecision:
        tier = customer.profile.tier if customer.profile else Tier.STANDARD
        automation = _AUTOMATION_BY_CHANNEL.get(event.channel)
        wants_agent = isinstance(event, InteractionEscalated) or event.requested_agent
        if customer.lookup_failed:
            target, queue, why = ContactTarget.AGENT_QUEUE, "general", ExplanationKind.DEGRADED
            detail = "customer record unavailable: safe default is an agent"
        elif wants_agent:
            target, queue, why = ContactTarget.AGENT_QUEUE, "general", ExplanationKind.GUARDRAIL
            detail = "the customer asked for an agent"
        elif tier in (Tier.VIP, Tier.GOLD):
            target, queue, why = ContactTarget.AGENT_QUEUE, "priority", ExplanationKind.RULE
            detail = f"{tier.value} customers go to the priority queue"
        elif automation is None:
            target, queue, why = ContactTarget.AGENT_QUEUE, "general", ExplanationKind.DEFAULT
            detail = f"{event.channel.value} has no automation"
        else:
            target, queue, why = automation, None, ExplanationKind.RULE
            detail = f"{tier.value} {event.channel.value} contacts start in {automation.value}"
        queued = target is ContactTarget.AGENT_QUEUE
        return RoutingDecision(
            source="/omniroute/router",
            time=now,
            interaction_id=event.interaction_id,
            customer_id=event.customer_id,
            channel=event.channel,
            cause_id=event.id,
            cause_type=event.type,
            reason=event.reason,
            target=target,
            queue=queue,
            pool="care" if queued else None,
            priority=_PRIORITY[tier] if queued else 0,
            max_wait_seconds=300.0 if queued else None,
            perceived_wait_offset_seconds=event.automation_seconds,
            expected_cost=_AGENT_COST if queued else _COST[target],
            automation_path=tuple(event.automation_path),
            explanation=(Explanation(kind=why, name=f"first-policy.{why.value}", detail=detail),),
            policy_version=self.version,
            degraded=customer.lookup_failed,
            customer=customer.context(),
        )
