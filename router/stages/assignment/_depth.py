"""The queue depth a supervisor reads: contacts waiting for an agent, those ringing
at a desk (offered, not yet accepted) included, since the customer still waits."""

from __future__ import annotations

from omniroute.agents import ContactState, Pool

__all__ = ["offered_by_queue"]


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
