"""Rebuilding a pool's index from its persisted records (a takeover, a rebuild
after a failed input): part of the ``PoolIndex``, a base class of it kept apart so
each module stays readable."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._estimate import HandleTime
from ._model import Agent, Contact, ContactState, PoolConfig
from ._rules import prepare

if TYPE_CHECKING:
    from ._ledger import CapacityLedger
    from ._queues import QueueIndex
    from ._records import Changes
    from ._wrapups import WrapUps

__all__ = ["IndexRestore"]

_QUEUED = ContactState.QUEUED
_OFFERED = ContactState.OFFERED
_WRAP_UP = ContactState.WRAP_UP
_MOVED = ContactState.MOVED


class IndexRestore:
    """``rebuild`` for ``PoolIndex``."""

    if TYPE_CHECKING:
        config: PoolConfig
        ledger: CapacityLedger
        queues: QueueIndex
        _agents: dict[str, Agent]
        _contacts: dict[str, Contact]
        _handle_times: dict[str, HandleTime]
        _expiries: list[tuple[float, str, str]]
        _idle_seq: int
        _wrap_ups: WrapUps

        def _list(self, agent: Agent) -> None: ...

        def _hold_work(self, agent: Agent, contact: Contact) -> None: ...

        def drain_changes(self) -> Changes: ...

    def rebuild(
        self,
        contacts: Iterable[Contact],
        agents: Iterable[Agent],
        handle_times: Iterable[tuple[str, HandleTime]],
        now: float,
        *,
        expiry_floor: float = 0.0,
    ) -> None:
        """Load persisted state into an empty index; nothing counts as changed. An
        offer expires no earlier than ``expiry_floor`` (its record keeps its time)."""
        for agent in agents:
            agent.tally = self.ledger.tally(agent.agent_id, self.config.name)
            self._agents[agent.agent_id] = agent
            self._idle_seq = max(self._idle_seq, agent.idle_seq + 1)
        self._handle_times.update(handle_times)
        for contact in contacts:
            self._adopt(contact, now, expiry_floor)
        for agent in sorted(self._agents.values(), key=lambda a: (a.idle_since, a.idle_seq)):
            self._list(agent)
        self.drain_changes()

    def _adopt(self, contact: Contact, now: float, expiry_floor: float) -> None:
        prepare(contact, self.config.queue(contact.queue))
        contact.level_key = self.queues.level_key(contact)
        self._contacts[contact.interaction_id] = contact
        if contact.state is _MOVED:
            return
        if contact.warm is not None and (origin := self._agents.get(contact.warm.agent_id)):
            self._hold_work(origin, contact)
        agent = self._agents.get(contact.agent_id or "")
        if contact.state is _QUEUED or agent is None:
            self.queues.enter(contact, now)
            return
        self._hold_work(agent, contact)
        if contact.state is _WRAP_UP:
            until = contact.wrap_up_until
            self._wrap_ups.start(contact, until if until is not None else now)
        if contact.state is _OFFERED:
            expires_at = contact.offer_expires_at if contact.offer_expires_at is not None else now
            expires_at = max(expires_at, expiry_floor)
            heapq.heappush(
                self._expiries, (expires_at, contact.offer_id or "", contact.interaction_id)
            )
