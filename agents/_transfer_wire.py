"""The edge between transfers in the core and the contract: a request in, a
transferred contact across pools, and what the transferring desktop is told."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from omniroute.schemas import (
    CustomerContext,
    SkillRequirement,
    TransferInfo,
    TransferredContact,
    TransferRequested,
    TransferResult,
)

from ._compact import compact_customer, compact_name, compact_signature, shared_customer_id
from ._effects import ContactHandedOver, TransferSettled
from ._model import Contact
from ._transfers import Transfer, TransferRequest

__all__ = [
    "contact_from_transferred",
    "handover_message",
    "transfer_info",
    "transfer_request",
    "transfer_result_message",
]

_ID_LIMIT = 128
_NAMESPACE = uuid.UUID("5b0e7d4a-1c2f-4f0a-9a7e-3f6d2b8c9e11")


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _message_id(kind: str, name: str) -> str:
    """Derived from what it is about, so a replay publishes the same id again."""
    readable = f"{kind}:{name}"
    return readable if len(readable) <= _ID_LIMIT else f"{kind}:{uuid.uuid5(_NAMESPACE, name)}"


def transfer_request(event: TransferRequested) -> TransferRequest:
    return TransferRequest(
        transfer_id=event.id,
        agent_id=event.agent_id,
        interaction_id=event.interaction_id,
        to_queue=None if event.to_queue is None else compact_name(event.to_queue),
        to_agent=event.to_agent,
        to_pool=event.to_pool,
        mode=event.mode,
        note=event.note,
        requirements=compact_signature(
            tuple(sorted((r.skill, r.min_proficiency) for r in event.required_skills))
        ),
        priority=event.priority,
    )


def transfer_info(transfer: Transfer) -> TransferInfo:
    return TransferInfo(
        transfer_id=transfer.transfer_id,
        from_agent=transfer.from_agent,
        from_queue=transfer.from_queue,
        from_pool=transfer.from_pool,
        to_queue=transfer.to_queue,
        to_agent=transfer.to_agent,
        mode=transfer.mode,
        note=transfer.note,
        at=_at(transfer.at),
    )


def _transfer(info: TransferInfo) -> Transfer:
    return Transfer(
        transfer_id=info.transfer_id,
        from_agent=info.from_agent,
        from_queue=info.from_queue,
        from_pool=info.from_pool,
        to_queue=info.to_queue,
        to_agent=info.to_agent,
        mode=info.mode,
        note=info.note,
        at=info.at.timestamp(),
    )


def transfer_result_message(effect: TransferSettled, pool: str, source: str) -> TransferResult:
    return TransferResult(
        id=_message_id(f"transfer-{effect.outcome}", effect.transfer_id),
        source=source,
        transfer_id=effect.transfer_id,
        agent_id=effect.agent_id,
        pool=pool,
        interaction_id=effect.interaction_id,
        outcome=effect.outcome,
        from_queue=effect.from_queue or None,
        to_queue=effect.to_queue or None,
        to_agent=effect.to_agent,
        detail=effect.detail,
    )


def handover_message(effect: ContactHandedOver, source: str) -> TransferredContact:
    """The assigner input that queues the contact in ``effect.to_pool``."""
    contact = effect.contact
    return TransferredContact(
        id=_message_id("handover", contact.transfers[-1].transfer_id),
        source=source,
        time=_at(contact.transfers[-1].at),
        pool=effect.to_pool,
        interaction_id=contact.interaction_id,
        customer_id=contact.customer_id,
        channel=contact.channel,
        queue=contact.queue,
        priority=contact.priority,
        enqueued_at=_at(contact.enqueued_at),
        perceived_wait_offset_seconds=contact.wait_offset,
        max_wait_seconds=contact.max_wait,
        required_skills=tuple(
            SkillRequirement(skill=skill, min_proficiency=minimum)
            for skill, minimum in contact.requirements
        ),
        preferred_agent_id=contact.preferred_agent,
        callback=contact.callback,
        reason=contact.reason,
        automation_path=contact.automation_path,
        customer=contact.customer or CustomerContext(customer_id=contact.customer_id, known=False),
        transfers=tuple(transfer_info(t) for t in contact.transfers),
        explanation=contact.explanation,
        attempts=contact.attempts,
        hold_for=effect.hold_for,
        hold_seconds=effect.hold_seconds,
    )


def contact_from_transferred(message: TransferredContact, now: float) -> Contact:
    """The contact a receiving pool queues: at its original place, held for the
    named agent from ``now`` (its arrival here) for ``hold_seconds``."""
    customer = message.customer
    return Contact(
        interaction_id=message.interaction_id,
        customer_id=shared_customer_id(message.customer_id, customer),
        queue=compact_name(message.queue),
        channel=message.channel,
        priority=message.priority,
        enqueued_at=message.enqueued_at.timestamp(),
        wait_offset=message.perceived_wait_offset_seconds,
        max_wait=message.max_wait_seconds,
        requirements=compact_signature(
            tuple(sorted((r.skill, r.min_proficiency) for r in message.required_skills))
        ),
        preferred_agent=message.preferred_agent_id,
        callback=message.callback,
        reason=None if message.reason is None else compact_name(message.reason),
        automation_path=message.automation_path,
        customer=compact_customer(customer),
        transfers=tuple(_transfer(t) for t in message.transfers),
        explanation=message.explanation,
        attempts=message.attempts,
        hold_for=message.hold_for,
        hold_until=now + message.hold_seconds if message.hold_for else 0.0,
    )
