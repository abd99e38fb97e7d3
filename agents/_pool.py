"""One pool's assignment state machine: every input event is one method that
takes ``now`` and returns the effects to publish. No clock, no I/O.

Which method for which input (the stage's dispatch table):

=============================================  =====================================
RoutingDecision (target agent_queue)           ``enqueue(contact_from_decision(d))``
AgentLoggedIn                                  ``login(spec_from_login(e))``
AgentStateChanged                              ``set_presence``
AgentLoggedOut                                 ``logout``
OfferAccepted / OfferRejected                  ``accept`` / ``reject``
WorkCompleted                                  ``complete_work``
InteractionAbandoned / InteractionEnded        ``abandon`` / ``end``
customer chose a callback                      ``to_callback``
timer at ``next_timer()``                      ``tick``
=============================================  =====================================
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from ._effects import AgentPaused, ContactAssigned, Effect, OfferRevocation, RevokeWhy
from ._estimate import ContactWait, PoolLoadView, contact_waits, pool_load
from ._matcher import Matcher
from ._model import Agent, AgentSpec, Contact, ContactState, PoolConfig, Presence
from ._records import (
    agent_from_record,
    contact_from_record,
    handle_time_from_record,
)
from ._rules import prepare

__all__ = ["Pool"]

_QUEUED = ContactState.QUEUED
_OFFERED = ContactState.OFFERED
_ASSIGNED = ContactState.ASSIGNED
_READY = Presence.READY


class Pool(Matcher):
    """Queues, agents and offers of one pool (a set of queues sharing agents).

    Each method first applies what time did by ``now`` (widening, sticky
    windows ending), then the event, then matches what the event touched, so
    the state is stable after every call. Offers time out only in ``tick``.
    """

    # -- contacts ------------------------------------------------------------

    def enqueue(self, contact: Contact, now: float) -> list[Effect]:
        """Queue a new contact. A redelivered one (same interaction id) is ignored."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        if contact.interaction_id in self._contacts:
            return effects
        prepare(contact, self.config.queue(contact.queue))
        contact.level_key = self._level_key(contact)
        self._contacts[contact.interaction_id] = contact
        self._changed_contacts.add(contact.interaction_id)
        self._enter_queue(contact, now)
        effects += self._match(now, [contact], [])
        return effects

    def abandon(self, interaction_id: str, now: float) -> list[Effect]:
        """The customer left: out of the queue, any offer revoked, room freed."""
        return self._drop(interaction_id, now, "abandoned")

    def end(self, interaction_id: str, now: float) -> list[Effect]:
        """The contact is over (``InteractionEnded``): same as done, wherever it was."""
        return self._drop(interaction_id, now, "superseded")

    def to_callback(self, interaction_id: str, now: float) -> list[Effect]:
        """The customer asked to be called back: they keep their place in line."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        contact = self._contacts.get(interaction_id)
        if contact is not None and not contact.callback:
            contact.callback = True
            self._changed_contacts.add(interaction_id)
        return effects

    # -- agents --------------------------------------------------------------

    def login(self, spec: AgentSpec, now: float) -> list[Effect]:
        """Log an agent in, or update a logged-in agent's profile (desktop reconnect):
        work and offers in progress are kept."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        agent = self._agents.get(spec.agent_id)
        if agent is None:
            agent = Agent(
                agent_id=spec.agent_id,
                queues=(),
                skills={},
                capacity={},
                max_total=spec.max_total,
                presence=spec.presence,
            )
            self._agents[spec.agent_id] = agent
        agent.queues = tuple(dict.fromkeys(spec.queues))
        agent.queue_set = frozenset(agent.queues)
        agent.skills = dict(spec.skills)
        agent.capacity = dict(spec.capacity)
        agent.max_total = spec.max_total
        agent.presence = spec.presence
        agent.levels.clear()
        self._touch(agent, now)
        moved = self._replace_preferrers(agent.agent_id, now)
        effects += self._match(now, moved, [agent])
        return effects

    def set_presence(self, agent_id: str, presence: Presence, now: float) -> list[Effect]:
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        agent = self._agents.get(agent_id)
        if agent is None or agent.presence is Presence.OFFLINE or agent.presence is presence:
            return effects
        if presence is Presence.OFFLINE:
            return effects + self.logout(agent_id, now)
        agent.presence = presence
        if presence is _READY:
            agent.misses = 0
            self._touch(agent, now)
        else:
            self._unlist(agent)
            self._changed_agents.add(agent_id)
        moved = self._replace_preferrers(agent_id, now)
        effects += self._match(now, moved, [agent])
        return effects

    def logout(self, agent_id: str, now: float) -> list[Effect]:
        """Offers are revoked and their contacts re-queued in their original place;
        assigned work stays the agent's until it is completed or ended."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        agent = self._agents.get(agent_id)
        if agent is None:
            return effects
        agent.presence = Presence.OFFLINE
        self._unlist(agent)
        self._changed_agents.add(agent_id)
        requeued = []
        for iid in list(agent.work):
            contact = self._contacts[iid]
            if contact.state is _OFFERED:
                effects.append(self._revocation(contact, "agent_logged_out"))
                self._withdraw(contact, agent, now)
                requeued.append(contact)
        moved = self._replace_preferrers(agent_id, now)
        self._forget_if_gone(agent)
        effects += self._match(now, requeued + moved, [])
        return effects

    # -- offers and work -----------------------------------------------------

    def accept(self, agent_id: str, interaction_id: str, offer_id: str, now: float) -> list[Effect]:
        """The offer becomes an assignment; a late or unknown accept is answered
        with a revocation so the desktop drops it."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        contact = self._current_offer(agent_id, interaction_id, offer_id)
        if contact is None:
            known = self._contacts.get(interaction_id)
            queue = known.queue if known is not None else ""
            effects.append(OfferRevocation(offer_id, agent_id, interaction_id, queue, "superseded"))
            return effects
        contact.state = _ASSIGNED
        contact.assigned_at = now
        contact.offer_expires_at = None
        self._agents[agent_id].misses = 0
        self._changed_agents.add(agent_id)
        self._changed_contacts.add(interaction_id)
        effects.append(
            ContactAssigned(
                offer_id=offer_id,
                agent_id=agent_id,
                interaction_id=interaction_id,
                queue=contact.queue,
                enqueued_at=contact.enqueued_at,
                waited_seconds=max(0.0, now - contact.enqueued_at),
            )
        )
        return effects

    def reject(self, agent_id: str, interaction_id: str, offer_id: str, now: float) -> list[Effect]:
        """Back in line at its original place; the agent's room is free again."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        contact = self._current_offer(agent_id, interaction_id, offer_id)
        if contact is None:
            return effects
        agent = self._agents[agent_id]
        self._withdraw(contact, agent, now)
        effects += self._missed(agent, now, [contact])
        return effects

    def tick(self, now: float) -> list[Effect]:
        """Everything time does: widening, sticky windows, and offers timing out
        (revoked, re-queued in their original place, counted as the agent's miss)."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        expiries = self._expiries
        requeued: list[Contact] = []
        missed: dict[str, Agent] = {}
        while expiries and expiries[0][0] <= now:
            _, offer_id, iid = heapq.heappop(expiries)
            contact = self._contacts.get(iid)
            if contact is None or contact.state is not _OFFERED or contact.offer_id != offer_id:
                continue
            agent = self._agents[contact.agent_id or ""]
            effects.append(self._revocation(contact, "timeout"))
            self._withdraw(contact, agent, now)
            requeued.append(contact)
            missed[agent.agent_id] = agent
            agent.misses += 1
        effects += self._pause_missers(list(missed.values()), now, requeued)
        return effects

    def complete_work(self, agent_id: str, interaction_id: str, now: float) -> list[Effect]:
        """The agent is done: its room goes at once to whoever waits for it."""
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        contact = self._contacts.get(interaction_id)
        if contact is None or contact.state is _QUEUED or contact.agent_id != agent_id:
            return effects
        agent = self._finish(contact, now)
        effects += self._match(now, [], [agent] if agent is not None else [])
        return effects

    def next_timer(self) -> float | None:
        """When ``tick`` next has work (an offer expiring or a wait widening)."""
        self._drop_stale_timers()
        moments = [heap[0][0] for heap in (self._timers, self._expiries) if heap]
        return min(moments) if moments else None

    # -- internals -----------------------------------------------------------

    def _drop(self, interaction_id: str, now: float, why: RevokeWhy) -> list[Effect]:
        now = self._now(now)
        effects: list[Effect] = list(self._advance(now))
        contact = self._contacts.get(interaction_id)
        if contact is None:
            return effects
        if contact.state is _OFFERED:
            effects.append(self._revocation(contact, why))
        agent = self._finish(contact, now)
        effects += self._match(now, [], [agent] if agent is not None else [])
        return effects

    def _finish(self, contact: Contact, now: float) -> Agent | None:
        """Remove a contact for good; returns the agent whose room it freed."""
        del self._contacts[contact.interaction_id]
        self._changed_contacts.add(contact.interaction_id)
        if contact.state is _QUEUED:
            self._leave_queue(contact)
            return None
        agent = self._agents[contact.agent_id or ""]
        if contact.state is _ASSIGNED and contact.assigned_at is not None:
            self._record_handle_time(contact.queue, now - contact.assigned_at)
        self._release(agent, contact, now)
        return None if self._forget_if_gone(agent) else agent

    def _withdraw(self, contact: Contact, agent: Agent, now: float) -> None:
        self._release(agent, contact, now)
        self._changed_contacts.add(contact.interaction_id)
        self._enter_queue(contact, now)

    def _missed(self, agent: Agent, now: float, requeued: list[Contact]) -> list[Effect]:
        agent.misses += 1
        return self._pause_missers([agent], now, requeued)

    def _pause_missers(
        self, agents: list[Agent], now: float, requeued: list[Contact]
    ) -> list[Effect]:
        """Pause agents that missed too often, then match the freed room and contacts."""
        effects: list[Effect] = []
        moved: list[Contact] = []
        for agent in agents:
            self._changed_agents.add(agent.agent_id)
            paused = agent.misses >= self.config.misses_before_not_ready
            if paused and agent.presence is _READY:
                agent.presence = Presence.NOT_READY
                self._unlist(agent)
                effects.append(AgentPaused(agent.agent_id, agent.misses))
                moved += self._replace_preferrers(agent.agent_id, now)
        effects += self._match(now, requeued + moved, agents)
        return effects

    def _forget_if_gone(self, agent: Agent) -> bool:
        """A logged-out agent is kept only until its last assigned contact is done."""
        if agent.presence is Presence.OFFLINE and not agent.work:
            del self._agents[agent.agent_id]
            self._changed_agents.add(agent.agent_id)
            return True
        return False

    def _current_offer(self, agent_id: str, interaction_id: str, offer_id: str) -> Contact | None:
        contact = self._contacts.get(interaction_id)
        if (
            contact is None
            or contact.state is not _OFFERED
            or contact.offer_id != offer_id
            or contact.agent_id != agent_id
        ):
            return None
        return contact

    def _revocation(self, contact: Contact, why: RevokeWhy) -> OfferRevocation:
        return OfferRevocation(
            offer_id=contact.offer_id or "",
            agent_id=contact.agent_id or "",
            interaction_id=contact.interaction_id,
            queue=contact.queue,
            why=why,
        )

    def _drop_stale_timers(self) -> None:
        timers = self._timers
        while timers:
            _, iid, epoch = timers[0]
            contact = self._contacts.get(iid)
            if contact is not None and contact.state is _QUEUED and contact.epoch == epoch:
                break
            heapq.heappop(timers)
        expiries = self._expiries
        while expiries:
            _, offer_id, iid = expiries[0]
            contact = self._contacts.get(iid)
            if contact is not None and contact.offer_id == offer_id and contact.state is _OFFERED:
                break
            heapq.heappop(expiries)

    # -- queries ---------------------------------------------------------------

    def load(self, now: float) -> PoolLoadView:
        now = max(now, self._clock)
        queued = {queue: count for queue, count in self._queued.items() if count}
        return pool_load(
            self._agents.values(),
            queued,
            self._longest_waits(now),
            self._handle_times,
            self.config,
        )

    def wait_estimates(self, now: float) -> list[ContactWait]:
        """Position and estimated wait of every queued contact (one sort per queue)."""
        now = max(now, self._clock)
        queued = (c for c in self._contacts.values() if c.state is _QUEUED)
        return contact_waits(queued, self._agents.values(), self._handle_times, self.config, now)

    # -- persistence -----------------------------------------------------------

    @classmethod
    def restore(
        cls,
        config: PoolConfig,
        contacts: Iterable[Mapping[str, Any]],
        agents: Iterable[Mapping[str, Any]],
        handle_times: Iterable[Mapping[str, Any]],
        now: float,
    ) -> tuple[Pool, list[Effect]]:
        """Rebuild a pool from its records, then catch up on what time did while
        nobody owned it (offers expired, waits widened) and match."""
        pool = cls(config)
        now = pool._now(now)
        for record in agents:
            agent = agent_from_record(record)
            pool._agents[agent.agent_id] = agent
            pool._idle_seq = max(pool._idle_seq, agent.idle_seq + 1)
        for record in handle_times:
            queue, handle = handle_time_from_record(record)
            pool._handle_times[queue] = handle
        for record in contacts:
            pool._adopt(contact_from_record(record), now)
        for agent in sorted(pool._agents.values(), key=lambda a: (a.idle_since, a.idle_seq)):
            pool._list(agent)
        pool.drain_changes()  # rebuilding changed nothing; the catch-up below did
        effects: list[Effect] = list(pool._match(now, [], list(pool._agents.values())))
        effects += pool.tick(now)
        return pool, effects
