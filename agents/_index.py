"""The pool's state: its contacts and agents, which agents have room for which
(queue, channel), longest idle first, when offers expire, and what changed since
the last drain. Where each queued contact sits is its ``QueueIndex`` (``_queues``).

Every mutation of contacts and agents that an index depends on goes through a
public method here, so the indexes cannot drift from the state they index. No
matching here (see ``_matcher``) and no event semantics (see ``_pool``): the
methods below are the whole vocabulary those two use.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping

from omniroute.schemas import Channel

from ._estimate import HandleTime, updated_handle_time
from ._ledger import CapacityLedger
from ._model import (
    Agent,
    AgentSpec,
    Contact,
    ContactState,
    PoolConfig,
    Presence,
)
from ._moves import ContactMoves
from ._queues import QueueIndex
from ._records import Changes, agent_record, contact_record, handle_time_record
from ._restore import IndexRestore
from ._rules import prepare
from ._wrapups import WrapUps

__all__ = ["PoolIndex"]

_QUEUED = ContactState.QUEUED
_OFFERED = ContactState.OFFERED
_ASSIGNED = ContactState.ASSIGNED
_WRAP_UP = ContactState.WRAP_UP
_READY = Presence.READY
_OFFLINE = Presence.OFFLINE


class PoolIndex(ContactMoves, IndexRestore):
    """State of one pool and the indexes that make matching incremental (with the
    moves a transfer makes, ``ContactMoves``, and the rebuild, ``IndexRestore``)."""

    def __init__(self, config: PoolConfig, ledger: CapacityLedger | None = None) -> None:
        self.config = config
        self.ledger = ledger if ledger is not None else CapacityLedger()
        """Agents' load across pools: shared by the pools of one stage or floor."""
        self._wrap_ups = WrapUps()
        self._contacts: dict[str, Contact] = {}
        self._agents: dict[str, Agent] = {}
        self.queues = QueueIndex(config, self._contacts, self._agents)
        """Where queued contacts sit: read by the matcher, changed only from here."""
        # (queue, channel) -> ready agents with room for it, longest idle first
        self._available: dict[tuple[str, Channel], dict[str, Agent]] = {}
        self._expiries: list[tuple[float, str, str]] = []
        # Read-only views for the matcher (plain lookups on its hot path, no calls).
        self.contact_by_id: Mapping[str, Contact] = self._contacts
        self.agent_by_id: Mapping[str, Agent] = self._agents
        self.available: Mapping[tuple[str, Channel], Mapping[str, Agent]] = self._available
        """(queue, channel) -> ready agents with room for it, longest idle first."""
        self._clock = float("-inf")
        self._idle_seq = 0
        self._changed_contacts: set[str] = set()
        self._changed_agents: set[str] = set()
        self._handle_times: dict[str, HandleTime] = {}
        self._changed_handle_times: set[str] = set()

    # -- time ---------------------------------------------------------------

    def advance_clock(self, now: float) -> float:
        """Time never runs backwards inside a pool: bound promotions are one-way."""
        if now < self._clock:
            return self._clock
        self._clock = now
        return now

    def read_time(self, now: float) -> float:
        """``now`` for a query: never before the last event, and the clock is left alone."""
        return max(now, self._clock)

    def expired_offers(self, now: float) -> Iterator[Contact]:
        """Contacts whose current offer expires by ``now``, earliest first."""
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            _, offer_id, iid = heapq.heappop(expiries)
            contact = self._contacts.get(iid)
            if contact is not None and contact.state is _OFFERED and contact.offer_id == offer_id:
                yield contact

    def ended_wrap_ups(self, now: float) -> Iterator[Contact]:
        """Contacts whose wrap-up time runs out by ``now``, earliest first."""
        return self._wrap_ups.ended(now)

    def next_timer(self) -> float | None:
        """When time next changes something: an offer expiring, a wrap-up ending or
        a wait widening."""
        expiries = self._expiries
        while expiries:
            _, offer_id, iid = expiries[0]
            contact = self._contacts.get(iid)
            if contact is not None and contact.offer_id == offer_id and contact.state is _OFFERED:
                break
            heapq.heappop(expiries)
        moments = [expiries[0][0]] if expiries else []
        wrap_up_end = self._wrap_ups.next_end()
        if wrap_up_end is not None:
            moments.append(wrap_up_end)
        widening = self.queues.next_timer()
        if widening is not None:
            moments.append(widening)
        return min(moments) if moments else None

    # -- reading -------------------------------------------------------------

    def contact(self, interaction_id: str) -> Contact | None:
        """Read-only view for tests and tools: do not mutate what it returns."""
        return self._contacts.get(interaction_id)

    def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def contacts(self) -> list[Contact]:
        return list(self._contacts.values())

    def agents(self) -> list[Agent]:
        return list(self._agents.values())

    def queued_contacts(self, queues: Iterable[str] | None = None) -> Iterator[Contact]:
        """Every queued contact, or those in ``queues`` (read off the queue index)."""
        if queues is None:
            return (c for c in self._contacts.values() if c.state is _QUEUED)
        return (c for queue in queues for c in self.queues.queued_in(queue))

    def current_offer(self, agent_id: str, interaction_id: str, offer_id: str) -> Contact | None:
        """The contact if ``offer_id`` is its live offer to ``agent_id``; else None
        (a late answer to an offer that expired, was revoked or re-offered)."""
        contact = self._contacts.get(interaction_id)
        if (
            contact is None
            or contact.state is not _OFFERED
            or contact.offer_id != offer_id
            or contact.agent_id != agent_id
        ):
            return None
        return contact

    # -- contacts ------------------------------------------------------------

    def admit(self, contact: Contact, now: float) -> bool:
        """Queue a new contact; False (and nothing changes) if the id is known."""
        if contact.interaction_id in self._contacts:
            return False
        prepare(contact, self.config.queue(contact.queue))
        contact.level_key = self.queues.level_key(contact)
        self._contacts[contact.interaction_id] = contact
        self._changed_contacts.add(contact.interaction_id)
        self.queues.enter(contact, now)
        return True

    def reserve(self, contact: Contact, agent: Agent, expires_at: float, now: float) -> None:
        """Out of the queue and onto the agent until the offer is answered or expires.
        The caller has set the contact's ``offer_id`` and ``attempts``."""
        self.queues.leave(contact)
        contact.state = _OFFERED
        contact.agent_id = agent.agent_id
        contact.offer_expires_at = expires_at
        self._hold_work(agent, contact)
        self.touch(agent, now)
        heapq.heappush(self._expiries, (expires_at, contact.offer_id or "", contact.interaction_id))
        self._changed_contacts.add(contact.interaction_id)

    def assign(self, contact: Contact, now: float) -> None:
        """An accepted offer: the contact stays on the agent, no longer expiring."""
        contact.state = _ASSIGNED
        contact.assigned_at = now
        contact.offer_expires_at = None
        agent = self._agents[contact.agent_id or ""]
        agent.misses = 0
        self._changed_agents.add(agent.agent_id)
        self._changed_contacts.add(contact.interaction_id)

    def start_wrap_up(self, contact: Contact, until: float) -> None:
        """The agent completed an assigned contact: its room stays held until
        ``until`` (or the agent ends the wrap-up sooner)."""
        self._wrap_ups.start(contact, until)
        self._changed_contacts.add(contact.interaction_id)

    def agents_in_wrap_up(self) -> int:
        """Agents doing after-contact work on at least one contact of this pool."""
        return self._wrap_ups.agents()

    def mark_callback(self, contact: Contact) -> None:
        contact.callback = True
        self._changed_contacts.add(contact.interaction_id)

    def requeue(self, contact: Contact, now: float) -> Agent:
        """An offer withdrawn: back in line at its original place; returns the agent."""
        agent = self._agents[contact.agent_id or ""]
        self._release(agent, contact, now)
        self._changed_contacts.add(contact.interaction_id)
        self.queues.enter(contact, now)
        return agent

    def remove(self, contact: Contact, now: float) -> list[Agent]:
        """Remove a contact for good; returns the agents whose room it freed (a warm
        transfer's first agent too), less any logged out and now gone too."""
        origin = self.release_origin(contact, now) if contact.warm is not None else None
        freed = [] if origin is None else [origin]
        del self._contacts[contact.interaction_id]
        self._changed_contacts.add(contact.interaction_id)
        if contact.state is _QUEUED or contact.state is ContactState.MOVED:
            if contact.state is _QUEUED:
                self.queues.leave(contact)
            return freed
        agent = self._agents[contact.agent_id or ""]
        if contact.state is _WRAP_UP:
            self._wrap_ups.stop(contact)
        if contact.state in (_ASSIGNED, _WRAP_UP) and contact.assigned_at is not None:
            # Wrap-up included: the room was held all along, as Erlang C's handle time.
            self._record_handle_time(contact.queue, now - contact.assigned_at)
        self._release(agent, contact, now)
        return freed if self.forget_if_gone(agent) else [*freed, agent]

    # -- agents --------------------------------------------------------------

    def log_in(self, spec: AgentSpec, now: float) -> Agent:
        """A new agent, or a logged-in one's new profile (work in progress is kept);
        either way it goes to the back of the idle line."""
        agent = self._agents.get(spec.agent_id)
        if agent is None:
            agent = Agent(
                agent_id=spec.agent_id,
                queues=(),
                skills={},
                capacity={},
                max_total=spec.max_total,
                presence=spec.presence,
                tally=self.ledger.tally(spec.agent_id, self.config.name),
            )
            self._agents[spec.agent_id] = agent
        agent.queues = tuple(dict.fromkeys(spec.queues))
        agent.queue_set = frozenset(agent.queues)
        agent.skills = dict(spec.skills)
        agent.capacity = dict(spec.capacity)
        agent.max_total = spec.max_total
        agent.presence = spec.presence
        agent.levels.clear()
        self.touch(agent, now)
        return agent

    def make_ready(self, agent: Agent, now: float) -> None:
        """Back from a break: a clean slate of misses, at the back of the idle line."""
        agent.presence = _READY
        agent.misses = 0
        self.touch(agent, now)

    def touch(self, agent: Agent, now: float) -> None:
        """The agent's availability changed: it goes to the back of the idle line.

        Every call appends, so each ``_available`` dict stays in
        (idle_since, idle_seq) order without a sorted structure.
        """
        agent.idle_since = now
        agent.idle_seq = self._idle_seq
        self._idle_seq += 1
        self._changed_agents.add(agent.agent_id)
        self._unlist(agent)
        self._list(agent)

    def stop_offering(self, agent: Agent, presence: Presence, reason: str | None = None) -> None:
        """Not ready or logged out: off every availability list; its place in the
        idle line is kept for when it comes back. ``reason``: why, if it changes."""
        if reason is not None:
            self.set_reason(agent, reason)
        agent.presence = presence
        self._unlist(agent)
        self._changed_agents.add(agent.agent_id)

    def count_miss(self, agent: Agent) -> None:
        """An offer rejected or left to expire."""
        agent.misses += 1
        self._changed_agents.add(agent.agent_id)

    def replace_preferrers(self, agent_id: str, now: float) -> list[Contact]:
        """The agent came or went: re-place the contacts that prefer it; returns
        those that moved (held for it, or released to their lanes)."""
        return self.queues.replace_preferrers(agent_id, now)

    def forget_if_gone(self, agent: Agent) -> bool:
        """A logged-out agent is kept only until its last assigned contact is done."""
        if agent.presence is _OFFLINE and not agent.work:
            del self._agents[agent.agent_id]
            self._changed_agents.add(agent.agent_id)
            self.ledger.leave(agent.agent_id, self.config.name, ())
            return True
        return False

    def detach(self) -> None:
        """The pool is dropped from memory (it went to another worker, or will be
        rebuilt): its agents' work leaves the shared ledger."""
        for agent in self._agents.values():
            self.ledger.leave(agent.agent_id, self.config.name, agent.work)

    # -- queries -------------------------------------------------------------

    def handle_times(self) -> dict[str, HandleTime]:
        return self._handle_times

    # -- persisting ----------------------------------------------------------

    def drain_changes(self) -> Changes:
        """The records changed since the last drain, to write to the stage's tables."""
        changes = Changes()
        for iid in self._changed_contacts:
            contact = self._contacts.get(iid)
            changes.contacts[iid] = None if contact is None else contact_record(contact)
        for agent_id in self._changed_agents:
            agent = self._agents.get(agent_id)
            changes.agents[agent_id] = None if agent is None else agent_record(agent)
        for queue in self._changed_handle_times:
            changes.handle_times[queue] = handle_time_record(queue, self._handle_times[queue])
        self._changed_contacts.clear()
        self._changed_agents.clear()
        self._changed_handle_times.clear()
        return changes

    def _record_handle_time(self, queue: str, seconds: float) -> None:
        previous = self._handle_times.get(queue)
        self._handle_times[queue] = updated_handle_time(previous, seconds, self.config)
        self._changed_handle_times.add(queue)

    # -- internals -----------------------------------------------------------------

    def _hold_work(self, agent: Agent, contact: Contact) -> None:
        agent.work[contact.interaction_id] = contact.channel
        agent.tally.hold(contact.interaction_id, contact.channel)
        self.ledger.touched(agent.agent_id, self.config.name)

    def _release(self, agent: Agent, contact: Contact, now: float) -> None:
        del agent.work[contact.interaction_id]
        agent.tally.release(contact.interaction_id)
        self.ledger.touched(agent.agent_id, self.config.name)
        self.touch(agent, now)

    def _list(self, agent: Agent) -> None:
        if agent.presence is not _READY:
            return
        # Room is per channel, not per queue: asked once per channel (it was asked
        # for every queue too, ~115 times a match on the demo's 11,630-agent floor).
        rooms = [channel for channel in agent.capacity if agent.has_room(channel)]
        for queue in agent.queues:
            for channel in rooms:
                key = (queue, channel)
                self._available.setdefault(key, {})[agent.agent_id] = agent
                agent.listed.append(key)

    def _unlist(self, agent: Agent) -> None:
        for key in agent.listed:
            listed = self._available[key]
            del listed[agent.agent_id]
            if not listed:
                del self._available[key]
        agent.listed.clear()
