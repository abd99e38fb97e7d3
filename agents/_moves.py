"""The moves a transfer makes in a pool's state: part of the ``PoolIndex`` (a
base class of it, kept apart so each module stays readable), using its state
and its primitives. See ``_transfers`` for what a transfer means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._model import Agent, Contact, ContactState, PoolConfig, Signature
from ._rules import prepare
from ._transfers import Transfer, WarmOrigin, with_transfer

if TYPE_CHECKING:
    from ._queues import QueueIndex

__all__ = ["ContactMoves"]

_ASSIGNED = ContactState.ASSIGNED
_MOVED = ContactState.MOVED


class ContactMoves:
    """Transfers' changes to contacts and agents, for ``PoolIndex``."""

    if TYPE_CHECKING:
        config: PoolConfig
        queues: QueueIndex
        _agents: dict[str, Agent]
        _changed_contacts: set[str]

        def _release(self, agent: Agent, contact: Contact, now: float) -> None: ...

        _changed_agents: set[str]

        def forget_if_gone(self, agent: Agent) -> bool: ...

    def move(
        self,
        contact: Contact,
        *,
        queue: str,
        requirements: Signature,
        priority: int,
        transfer: Transfer,
        hold: tuple[str | None, float],
        now: float,
        warm: bool,
    ) -> None:
        """An assigned contact transferred within the pool: into ``queue`` at its
        original place. Cold, its agent's room is free at once; warm, the agent keeps
        it (and the room) until another agent accepts (``release_origin``) or not
        (``give_back``)."""
        agent = self._agents[contact.agent_id or ""]
        if warm:
            contact.warm = WarmOrigin(
                agent_id=agent.agent_id,
                offer_id=contact.offer_id or "",
                assigned_at=contact.assigned_at or now,
                queue=contact.queue,
                requirements=contact.requirements,
                priority=contact.priority,
            )
        else:
            self._release(agent, contact, now)
        contact.transfers = with_transfer(contact, transfer)
        contact.declined = ()
        contact.hold_for, contact.hold_until = hold
        self._requeue_as(contact, queue, requirements, priority, now)

    def release_origin(self, contact: Contact, now: float) -> Agent | None:
        """A warm transfer is over: the first agent's room is free."""
        origin = contact.warm
        contact.warm = None
        self._changed_contacts.add(contact.interaction_id)
        agent = self._agents.get(origin.agent_id) if origin is not None else None
        if agent is None or contact.interaction_id not in agent.work:
            return None
        self._release(agent, contact, now)
        return None if self.forget_if_gone(agent) else agent

    def give_back(self, contact: Contact, now: float) -> Agent:
        """A warm transfer's offer was turned down: the contact is assigned to the
        first agent again, as before; returns the agent whose offer ended."""
        origin = contact.warm
        assert origin is not None
        agent = self._agents[contact.agent_id or ""]
        self._release(agent, contact, now)
        contact.warm = None
        contact.hold_for, contact.hold_until = None, 0.0
        contact.queue = origin.queue
        contact.requirements = origin.requirements
        contact.priority = origin.priority
        prepare(contact, self.config.queue(contact.queue))
        contact.level_key = self.queues.level_key(contact)
        contact.state = _ASSIGNED
        contact.agent_id = origin.agent_id
        contact.offer_id = origin.offer_id
        contact.assigned_at = origin.assigned_at
        contact.offer_expires_at = None
        self._changed_contacts.add(contact.interaction_id)
        return agent

    def hand_over(self, contact: Contact, pool: str, transfer: Transfer, now: float) -> None:
        """A cold transfer to another pool: the agent's room is free, and the contact
        is kept as ``MOVED`` (see ``_transfers``)."""
        agent = self._agents[contact.agent_id or ""]
        self._release(agent, contact, now)
        contact.transfers = with_transfer(contact, transfer)
        contact.state = _MOVED
        contact.moved_to = pool
        contact.agent_id = None
        contact.offer_id = None
        contact.offer_expires_at = None
        self._changed_contacts.add(contact.interaction_id)

    def _requeue_as(
        self, contact: Contact, queue: str, requirements: Signature, priority: int, now: float
    ) -> None:
        contact.queue = queue
        contact.requirements = requirements
        contact.priority = priority
        prepare(contact, self.config.queue(queue))
        contact.level_key = self.queues.level_key(contact)
        self._changed_contacts.add(contact.interaction_id)
        self.queues.enter(contact, now)

    def decline(self, contact: Contact, agent_id: str) -> None:
        """The agent rejected the contact: skipped for it while anyone else can take it."""
        if agent_id not in contact.declined:
            contact.declined = (*contact.declined, agent_id)
            self._changed_contacts.add(contact.interaction_id)

    def set_reason(self, agent: Agent, reason: str) -> None:
        if agent.reason != reason:
            agent.reason = reason
            self._changed_agents.add(agent.agent_id)
