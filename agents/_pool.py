"""One pool's assignment state machine: every input event is one method that
takes ``now`` and returns the effects to publish. No clock, no I/O.

Which method for which input (the stage's dispatch table):

=============================================  =====================================
RoutingDecision (target agent_queue)           ``enqueue(contact_from_decision(d))``
AgentLoggedIn                                  ``login(spec_from_login(e))``
AgentStateChanged                              ``set_presence``
AgentLoggedOut                                 ``logout``
OfferAccepted / OfferRejected                  ``accept`` / ``reject``
WorkCompleted                                  ``complete_work`` (wrap-up starts)
WrapUpEnded                                    ``end_wrap_up``
TransferRequested / a contact from another pool ``transfer`` / ``enqueue``
InteractionAbandoned / InteractionEnded        ``abandon`` / ``end``
customer chose a callback                      ``to_callback``
timer at ``next_timer()``                      ``tick``
another pool changed a shared agent's load     ``refresh_agent``
=============================================  =====================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._effects import AgentPaused, Effect, OfferRevocation, RevokeWhy, assigned_of, revocation_of
from ._index import PoolIndex
from ._ledger import CapacityLedger
from ._matcher import Matcher
from ._model import PAUSED_REASON, Agent, AgentSpec, Contact, ContactState, PoolConfig, Presence
from ._overflow import OverflowClock, overflowed
from ._pool_flows import PoolFlows
from ._pool_reading import PoolReading
from ._records import (
    Changes,
    agent_from_record,
    contact_from_record,
    handle_time_from_record,
)
from ._step import Step as _Step
from ._transfers import Transfers

__all__ = ["Pool"]

_QUEUED = ContactState.QUEUED
_OFFERED = ContactState.OFFERED
_WRAP_UP = ContactState.WRAP_UP
_READY = Presence.READY


class Pool(PoolFlows, PoolReading):
    """Queues, agents and offers of one pool (a set of queues sharing agents).

    Each method first applies what time did by ``now`` (widening, sticky
    windows ending), then the event, then matches once what both touched, so
    the state is stable after every call and no offer goes against what the
    event itself declared. Offers time out only in ``tick``.
    The state and its indexes live in a ``PoolIndex``; the search for pairs
    in a ``Matcher`` over it; this class holds what each event means.
    """

    def __init__(self, config: PoolConfig, ledger: CapacityLedger | None = None) -> None:
        """``ledger``: shared with the other pools of the stage, so an agent working
        in several pools holds no more than their capacity across them all."""
        self.config = config
        self._index = PoolIndex(config, ledger)
        self._matcher = Matcher(self._index)
        self._transfers = Transfers(self._index, config.name)
        self._step = _Step()
        self._overflow = OverflowClock()

    def _begin(self, now: float) -> _Step:
        """Every event's opening: the clock moves on and what time did by ``now``
        (widening, sticky windows ending) is applied, but not matched yet: the
        event at ``now`` may change who can take what (an agent reconnecting
        with less capacity, going on break, logging out), and no offer may be
        decided on a state the same event replaces. ``_settle`` closes."""
        index = self._index
        step = self._step
        step.now = now = index.advance_clock(now)
        step.contacts = index.queues.advance(now)
        step.effects = []
        step.agents = []
        return step

    def _settle(self, step: _Step) -> list[Effect]:
        """Every event's close: match, once, what time and the event touched."""
        if step.contacts or step.agents:
            step.effects += self._matcher.match(step.now, step.contacts, step.agents)
        return step.effects

    # -- contacts ------------------------------------------------------------

    def enqueue(self, contact: Contact, now: float) -> list[Effect]:
        """Queue a new contact. A redelivered one (same interaction id) is ignored."""
        step = self._begin(now)
        if self._index.admit(contact, step.now):
            step.contacts.append(contact)
            self._overflow.arm(contact)
        return self._settle(step)

    def abandon(self, interaction_id: str, now: float) -> list[Effect]:
        """The customer left: out of the queue, any offer revoked, room freed."""
        return self._drop(interaction_id, now, "abandoned")

    def end(self, interaction_id: str, now: float) -> list[Effect]:
        """The contact is over (``InteractionEnded``): same as done, wherever it was,
        except in wrap-up: the agent's after-contact work goes on."""
        return self._drop(interaction_id, now, "superseded")

    def to_callback(self, interaction_id: str, now: float) -> list[Effect]:
        """The customer asked to be called back: they keep their place in line."""
        step = self._begin(now)
        contact = self._index.contact(interaction_id)
        if contact is not None and not contact.callback:
            self._index.mark_callback(contact)
        return self._settle(step)

    # -- agents --------------------------------------------------------------

    def login(self, spec: AgentSpec, now: float) -> list[Effect]:
        """Log an agent in, or update a logged-in agent's profile (desktop reconnect):
        work and offers in progress are kept."""
        step = self._begin(now)
        agent = self._index.log_in(spec, step.now)
        step.contacts += self._index.replace_preferrers(agent.agent_id, step.now)
        step.agents.append(agent)
        return self._settle(step)

    def set_presence(self, agent_id: str, presence: Presence, now: float) -> list[Effect]:
        step = self._begin(now)
        agent = self._index.agent(agent_id)
        if agent is None or agent.presence is Presence.OFFLINE or agent.presence is presence:
            return self._settle(step)
        if presence is Presence.OFFLINE:
            self._log_out(step, agent)
            return self._settle(step)
        if presence is _READY:
            self._index.make_ready(agent, step.now)
        else:
            self._index.stop_offering(agent, presence)
        step.contacts += self._index.replace_preferrers(agent_id, step.now)
        step.agents.append(agent)
        return self._settle(step)

    def logout(self, agent_id: str, now: float) -> list[Effect]:
        """Offers are revoked and their contacts re-queued in their original place;
        assigned work stays the agent's until it is completed or ended."""
        step = self._begin(now)
        agent = self._index.agent(agent_id)
        if agent is not None:
            self._log_out(step, agent)
        return self._settle(step)

    def _log_out(self, step: _Step, agent: Agent) -> None:
        index = self._index
        index.stop_offering(agent, Presence.OFFLINE)
        for iid in list(agent.work):
            contact = index.contact(iid)
            if contact is not None and contact.state is _OFFERED:
                step.effects.append(revocation_of(contact, "agent_logged_out"))
                index.requeue(contact, step.now)
                step.contacts.append(contact)
        step.contacts += index.replace_preferrers(agent.agent_id, step.now)
        index.forget_if_gone(agent)

    # -- offers and work -----------------------------------------------------

    def accept(self, agent_id: str, interaction_id: str, offer_id: str, now: float) -> list[Effect]:
        """The offer becomes an assignment; a late or unknown accept is answered
        with a revocation so the desktop drops it."""
        step = self._begin(now)
        contact = self._index.current_offer(agent_id, interaction_id, offer_id)
        if contact is None:
            known = self._index.contact(interaction_id)
            if (
                known is not None
                and known.state is ContactState.ASSIGNED
                and (known.offer_id, known.agent_id) == (offer_id, agent_id)
            ):
                # The same accept again (at least once: a worker stopped after the
                # assignment was persisted, before the accept's offset was committed):
                # the same answer again, which the desktop drops by its id. A
                # revocation here would take the contact from the agent who has it.
                step.effects.append(assigned_of(known, known.assigned_at or step.now))
                return self._settle(step)
            queue = known.queue if known is not None else ""
            step.effects.append(
                OfferRevocation(offer_id, agent_id, interaction_id, queue, "superseded")
            )
            return self._settle(step)
        self._index.assign(contact, step.now)
        step.effects.append(assigned_of(contact, step.now))
        self._warm_accepted(step, contact)
        return self._settle(step)

    def reject(self, agent_id: str, interaction_id: str, offer_id: str, now: float) -> list[Effect]:
        """Back in line at its original place (its decliner skipped: ``_pool_flows``)."""
        step = self._begin(now)
        contact = self._index.current_offer(agent_id, interaction_id, offer_id)
        if contact is not None and not self._warm_declined(step, contact):
            self._index.decline(contact, agent_id)
            agent = self._index.requeue(contact, step.now)
            step.contacts.append(contact)
            self._index.count_miss(agent)
            self._pause_missers(step, [agent])
        return self._settle(step)

    def tick(self, now: float) -> list[Effect]:
        """Everything time does: widening, sticky windows, wrap-ups running out, and
        offers timing out (revoked, re-queued in their place, counted as a miss)."""
        step = self._begin(now)
        self._expire_offers(step)
        self._end_wrap_ups(step)
        self._overflow_due(step)
        return self._settle(step)

    def _end_wrap_ups(self, step: _Step) -> None:
        for contact in list(self._index.ended_wrap_ups(step.now)):
            self._finish(step, contact)

    def _overflow_due(self, step: _Step) -> None:
        """Queued contacts past their next overflow step leave for its queue."""
        gone = set()
        for contact in self._overflow.due(step.now, self._index.contact):
            step.effects.append(overflowed(contact, self.config.name, step.now))
            self._finish(step, contact)
            gone.add(contact.interaction_id)
        if gone:
            step.contacts = [c for c in step.contacts if c.interaction_id not in gone]

    def _expire_offers(self, step: _Step) -> None:
        missed: dict[str, Agent] = {}
        for contact in self._index.expired_offers(step.now):
            step.effects.append(revocation_of(contact, "timeout"))
            if self._warm_declined(step, contact):
                continue
            agent = self._index.requeue(contact, step.now)
            step.contacts.append(contact)
            missed[agent.agent_id] = agent
            self._index.count_miss(agent)
        self._pause_missers(step, list(missed.values()))

    def complete_work(self, agent_id: str, interaction_id: str, now: float) -> list[Effect]:
        """The agent is done with the customer: wrap-up starts and holds the room for
        the queue's ``wrap_up_seconds``; with none, the room goes at once to whoever
        waits for it. A contact only offered (never accepted) just leaves; the first
        agent of a warm transfer may finish it too (the other's offer is revoked)."""
        contact = self._index.contact(interaction_id)
        if self._warm_origin(contact, agent_id):
            return self._drop(interaction_id, now, "superseded")
        step = self._begin(now)
        if contact is None or contact.agent_id != agent_id or contact.state in (_QUEUED, _WRAP_UP):
            return self._settle(step)
        wrap_up = self.config.queue(contact.queue).wrap_up_seconds
        if contact.state is ContactState.ASSIGNED and wrap_up > 0:
            self._index.start_wrap_up(contact, step.now + wrap_up)
        else:
            self._finish(step, contact)
        return self._settle(step)

    def end_wrap_up(self, agent_id: str, interaction_id: str, now: float) -> list[Effect]:
        """The agent ended after-contact work early: the room is free again."""
        step = self._begin(now)
        contact = self._index.contact(interaction_id)
        if contact is not None and contact.state is _WRAP_UP and contact.agent_id == agent_id:
            self._finish(step, contact)
        return self._settle(step)

    def refresh_agent(self, agent_id: str, now: float) -> list[Effect]:
        """Another pool sharing the ledger changed what the agent holds: list the
        agent again by the room it has now, and match it if it gained some."""
        step = self._begin(now)
        agent = self._index.agent(agent_id)
        if agent is not None:
            self._index.touch(agent, step.now)
            step.agents.append(agent)
        return self._settle(step)

    def detach(self) -> None:
        """Drop this pool's share of the ledger (the stage forgets the pool)."""
        self._index.detach()

    def next_timer(self) -> float | None:
        """When ``tick`` next has work (an offer expiring, a wait widening, an overflow)."""
        moments = [self._index.next_timer(), self._overflow.next_timer(self._index.contact)]
        due = [moment for moment in moments if moment is not None]
        return min(due) if due else None

    # -- internals -----------------------------------------------------------

    def _drop(self, interaction_id: str, now: float, why: RevokeWhy) -> list[Effect]:
        step = self._begin(now)
        contact = self._index.contact(interaction_id)
        if contact is not None and contact.state is not _WRAP_UP:
            if contact.state is _OFFERED:
                step.effects.append(revocation_of(contact, why))
            self._finish(step, contact)
        return self._settle(step)

    def _finish(self, step: _Step, contact: Contact) -> None:
        """Remove a contact for good; the room it freed goes to the matcher."""
        step.agents += self._index.remove(contact, step.now)

    def _pause_missers(self, step: _Step, agents: list[Agent]) -> None:
        """Pause agents that missed too often; the rest look for work again."""
        for agent in agents:
            paused = agent.misses >= self.config.misses_before_not_ready
            if paused and agent.presence is _READY:
                self._index.stop_offering(agent, Presence.NOT_READY, PAUSED_REASON)
                step.effects.append(AgentPaused(agent.agent_id, agent.misses))
                step.contacts += self._index.replace_preferrers(agent.agent_id, step.now)
        step.agents += agents

    # -- persistence -----------------------------------------------------------

    def drain_changes(self) -> Changes:
        """The records changed since the last drain, to write to the stage's tables."""
        return self._index.drain_changes()

    @classmethod
    def restore(
        cls,
        config: PoolConfig,
        contacts: Iterable[Mapping[str, Any]],
        agents: Iterable[Mapping[str, Any]],
        handle_times: Iterable[Mapping[str, Any]],
        now: float,
        *,
        ledger: CapacityLedger | None = None,
    ) -> tuple[Pool, list[Effect]]:
        """Rebuild a pool from its records, then catch up on what time did while
        nobody owned it (offers expired, waits widened) and match, like ``tick``.
        Offers that lapsed meanwhile get ``config.takeover_grace_seconds`` first."""
        pool = cls(config, ledger)
        index = pool._index
        now = index.advance_clock(now)
        index.rebuild(
            (contact_from_record(record) for record in contacts),
            [agent_from_record(record) for record in agents],
            (handle_time_from_record(record) for record in handle_times),
            now,
            expiry_floor=now + config.takeover_grace_seconds
            if config.takeover_grace_seconds
            else 0.0,
        )
        for contact in index.contacts():
            pool._overflow.arm(contact)
        step = pool._begin(now)
        step.agents += index.agents()  # time since the records may pair any of them
        pool._expire_offers(step)
        pool._end_wrap_ups(step)
        pool._overflow_due(step)
        return pool, pool._settle(step)
