"""What the floor's rules add to the stage: a contact an overflow step moved on,
sent to its new pool; and the depth a supervisor reads, offered contacts included."""

from __future__ import annotations

from omniroute.agents import ContactOverflowed, ContactState, Pool, overflow_decision
from omniroute.schemas import topic

from ._metrics import AssignerMetrics

__all__ = ["ASSIGNER_INPUT", "offered_by_queue", "overflow_message"]

ASSIGNER_INPUT = topic("omniroute.assigner-input").name
SOURCE = "/omniroute/assigner"


def overflow_message(
    pool_name: str, moved: ContactOverflowed, target: float | None, metrics: AssignerMetrics
) -> tuple[str, bytes, bytes]:
    """The contact goes to its overflow step's pool as a decision on the assigner
    input, keyed by that pool: its owner (maybe this worker) queues it there."""
    decision = overflow_decision(moved, SOURCE, service_target=target)
    metrics.overflowed.labels(pool_name, moved.from_queue, moved.pool, moved.contact.queue).inc()
    return ASSIGNER_INPUT, moved.pool.encode(), decision.model_dump_json().encode()


def offered_by_queue(pool: Pool) -> dict[str, int]:
    """Contacts on offer (ringing, not yet accepted) per queue: the customer still
    waits, so the depth a supervisor reads counts them. Walks held work only."""
    ringing: dict[str, int] = {}
    for agent in pool.agents():
        for interaction_id in agent.work:
            contact = pool.contact(interaction_id)
            if contact is not None and contact.state is ContactState.OFFERED:
                ringing[contact.queue] = ringing.get(contact.queue, 0) + 1
    return ringing
