"""The edge between the pure core and the contract: wire messages in, effects
out. Times on the wire are aware datetimes; the core uses float epoch seconds,
which are cheaper to store and compare a hundred thousand times."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

from omniroute.schemas import (
    AgentLoggedIn,
    AgentPausedNotice,
    AgentPresence,
    CustomerContext,
    Offer,
    OfferAssigned,
    OfferRevoked,
    PoolLoad,
    QueueLoad,
    QueueSettings,
    RoutingDecision,
    TransferResult,
    WaitEstimate,
    new_event_id,
)

from ._compact import compact_customer, compact_name, compact_signature, shared_customer_id
from ._effects import (
    AgentPaused,
    ContactAssigned,
    ContactHandedOver,
    Effect,
    OfferPlan,
    OfferRevocation,
    TransferSettled,
)
from ._estimate import ContactWait, PoolLoadView
from ._model import AgentSpec, Contact, Presence, QueueConfig
from ._overflow import OVERFLOW
from ._transfer_wire import transfer_info, transfer_result_message

_ID_LIMIT = 128
_OFFER_NAMESPACE = uuid.UUID("0d9c7f0e-3a51-4c1e-9f55-6c2b8a4e7d21")

__all__ = [
    "WAIT_CEILING_SECONDS",
    "contact_from_decision",
    "effect_message",
    "from_datetime",
    "pool_load_message",
    "presence_from_wire",
    "queue_config",
    "spec_from_login",
    "to_datetime",
    "wait_estimate_message",
]

WAIT_CEILING_SECONDS = 86_400.0
"""What an infinite estimate (no ready agent) is published as: the contract wants a number."""


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def from_datetime(moment: datetime) -> float:
    return moment.timestamp()


def _finite(seconds: float) -> float:
    return WAIT_CEILING_SECONDS if math.isinf(seconds) else min(seconds, WAIT_CEILING_SECONDS)


def contact_from_decision(decision: RoutingDecision) -> Contact:
    """A queued contact from an ``agent_queue`` decision; queue entry is decision time."""
    if decision.queue is None:
        raise ValueError(f"decision {decision.id} names no queue")
    customer = decision.customer
    return Contact(
        interaction_id=decision.interaction_id,
        customer_id=shared_customer_id(decision.customer_id, customer),
        queue=compact_name(decision.queue),
        channel=decision.channel,
        priority=decision.priority,
        enqueued_at=from_datetime(decision.time),
        wait_offset=decision.perceived_wait_offset_seconds,
        max_wait=decision.max_wait_seconds,
        requirements=compact_signature(
            tuple(sorted((r.skill, r.min_proficiency) for r in decision.required_skills))
        ),
        preferred_agent=decision.preferred_agent_id,
        reason=None if decision.reason is None else compact_name(decision.reason),
        automation_path=decision.automation_path,
        customer=None if customer is None else compact_customer(customer),
        offer_allowed=decision.offer_allowed,
        overflow=decision.overflow,
        explanation=tuple(e for e in decision.explanation if e.name == OVERFLOW),
    )


def queue_config(settings: QueueSettings, max_wait_seconds: float | None = None) -> QueueConfig:
    """A queue as the pool runs it, from its settings in the policy file."""
    return QueueConfig(
        aging_per_second=settings.aging_per_second,
        max_wait_seconds=max_wait_seconds,
        relax_after_seconds=settings.relax_after_seconds,
        relax_by=settings.relax_by,
        any_agent_after_seconds=settings.any_agent_after_seconds,
        sticky_seconds=settings.sticky_seconds,
        wrap_up_seconds=settings.wrap_up_seconds,
    )


def presence_from_wire(presence: AgentPresence) -> Presence:
    return Presence.READY if presence is AgentPresence.READY else Presence.NOT_READY


def spec_from_login(event: AgentLoggedIn) -> AgentSpec:
    return AgentSpec(
        agent_id=event.agent_id,
        queues=tuple(event.queues),
        skills=dict(event.skills),
        capacity=dict(event.capacity),
        max_total=event.max_total,
        presence=presence_from_wire(event.presence),
    )


def effect_message(
    effect: Effect, pool: str, source: str
) -> Offer | OfferAssigned | OfferRevoked | AgentPausedNotice | TransferResult:
    """The ``omniroute.assignments`` message for an effect (key: its ``agent_id``);
    a ``ContactHandedOver`` is an assigner input instead (``handover_message``)."""
    if isinstance(effect, OfferPlan):
        return Offer(
            **_offer_fields("offer", effect, pool, source),
            queue=effect.queue,
            channel=effect.channel,
            priority=effect.priority,
            enqueued_at=to_datetime(effect.enqueued_at),
            expires_at=to_datetime(effect.expires_at),
            attempt=effect.attempt,
            callback=effect.callback,
            reason=effect.reason,
            automation_path=effect.automation_path,
            automation_seconds=effect.automation_seconds,
            offer_allowed=effect.offer_allowed,
            customer=effect.customer
            or CustomerContext(customer_id=effect.customer_id, known=False),
            explanation=effect.explanation,
            transfers=tuple(transfer_info(t) for t in effect.transfers),
        )
    if isinstance(effect, ContactAssigned):
        return OfferAssigned(
            **_offer_fields("assigned", effect, pool, source),
            queue=effect.queue,
            enqueued_at=to_datetime(effect.enqueued_at),
            waited_seconds=effect.waited_seconds,
        )
    if isinstance(effect, OfferRevocation):
        return OfferRevoked(
            **_offer_fields(f"revoked:{effect.why}", effect, pool, source),
            queue=effect.queue or pool,
            why=effect.why,
        )
    if isinstance(effect, AgentPaused):
        return AgentPausedNotice(
            id=new_event_id(),
            source=source,
            agent_id=effect.agent_id,
            pool=pool,
            misses=effect.misses,
        )
    if isinstance(effect, TransferSettled):
        return transfer_result_message(effect, pool, source)
    if isinstance(effect, ContactHandedOver):
        raise TypeError("a hand-over is an assigner input: use handover_message")
    raise TypeError(f"not an effect: {effect!r}")  # pragma: no cover


def _offer_fields(
    kind: str, effect: OfferPlan | ContactAssigned | OfferRevocation, pool: str, source: str
) -> dict[str, Any]:
    """What every message about one offer carries. The id derives from the offer
    (``interaction#attempt``) and what happened to it, so the same effect published
    again after a takeover has the same id and a desktop drops the duplicate."""
    return {
        "id": _offer_message_id(kind, effect.offer_id),
        "source": source,
        "offer_id": effect.offer_id,
        "agent_id": effect.agent_id,
        "interaction_id": effect.interaction_id,
        "pool": pool,
    }


def _offer_message_id(kind: str, offer_id: str) -> str:
    """``#`` is no id character: the attempt number follows ``@`` instead. An id too
    long for the contract (a 128-character interaction id) names the offer by its
    UUIDv5: cutting it short made every attempt of that contact one id, so desktops
    dropped the second offer as a duplicate."""
    readable = f"{kind}:{offer_id.replace('#', '@')}"
    if len(readable) <= _ID_LIMIT:
        return readable
    return f"{kind}:{uuid.uuid5(_OFFER_NAMESPACE, offer_id)}"


def pool_load_message(view: PoolLoadView, pool: str, source: str) -> PoolLoad:
    return PoolLoad(
        id=new_event_id(),
        source=source,
        pool=pool,
        queued=view.queued,
        longest_wait_seconds=view.longest_wait_seconds,
        agents_logged_in=view.agents_logged_in,
        agents_ready=view.agents_ready,
        occupancy=view.occupancy,
        estimated_wait_seconds=_finite(view.estimated_wait_seconds),
        queues=tuple(
            QueueLoad(
                queue=q.queue,
                queued=q.queued,
                longest_wait_seconds=q.longest_wait_seconds,
                estimated_wait_seconds=_finite(q.estimated_wait_seconds),
            )
            for q in view.queues
        ),
    )


def wait_estimate_message(wait: ContactWait, source: str) -> WaitEstimate:
    return WaitEstimate(
        id=new_event_id(),
        source=source,
        interaction_id=wait.interaction_id,
        customer_id=wait.customer_id,
        queue=wait.queue,
        position=wait.position,
        estimated_wait_seconds=_finite(wait.estimated_wait_seconds),
    )
