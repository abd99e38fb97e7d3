"""After-contact work: contacts an agent completed and still wraps up, and when
each wrap-up time runs out. Part of the ``PoolIndex``: the contact keeps its room
on the agent (``agent.work``) until it leaves the pool."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from ._model import Contact, ContactState

__all__ = ["WrapUps"]


class WrapUps:
    """The pool's contacts in ``WRAP_UP`` and a lazily cleaned heap of their ends."""

    def __init__(self) -> None:
        self._ends: list[tuple[float, str]] = []
        self._wrapping: dict[str, Contact] = {}

    def start(self, contact: Contact, until: float) -> None:
        contact.state = ContactState.WRAP_UP
        contact.wrap_up_until = until
        self._wrapping[contact.interaction_id] = contact
        heapq.heappush(self._ends, (until, contact.interaction_id))

    def stop(self, contact: Contact) -> None:
        self._wrapping.pop(contact.interaction_id, None)

    def ended(self, now: float) -> Iterator[Contact]:
        """Contacts whose wrap-up time runs out by ``now``, earliest first."""
        ends = self._ends
        while ends and ends[0][0] <= now:
            until, iid = heapq.heappop(ends)
            contact = self._wrapping.get(iid)
            if contact is not None and contact.wrap_up_until == until:
                yield contact

    def next_end(self) -> float | None:
        ends = self._ends
        while ends:
            until, iid = ends[0]
            contact = self._wrapping.get(iid)
            if contact is not None and contact.wrap_up_until == until:
                return until
            heapq.heappop(ends)
        return None

    def agents(self) -> int:
        """Agents wrapping up at least one contact of this pool."""
        return len({contact.agent_id for contact in self._wrapping.values()})
