"""The pool's state and its indexes: where each queued contact sits (a lane of
its queue, or held for its preferred agent) and which agents have room for
which (queue, channel), longest idle first. No matching here: see ``_matcher``.
"""

from __future__ import annotations

import heapq

from omniroute.schemas import Channel

from ._estimate import HandleTime, updated_handle_time
from ._lanes import LaneGroup
from ._model import Agent, Contact, ContactState, PoolConfig, Presence, QueueConfig, Signature
from ._records import Changes, agent_record, contact_record, handle_time_record
from ._rules import agent_level, prepare, stage_at, stage_changes, sticky_until

__all__ = ["PoolIndex"]

_QUEUED = ContactState.QUEUED
_OFFERED = ContactState.OFFERED
_READY = Presence.READY


class PoolIndex:
    """State of one pool and the indexes that make matching incremental."""

    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self._contacts: dict[str, Contact] = {}
        self._agents: dict[str, Agent] = {}
        # queue -> channel -> signature -> lanes of queued contacts
        self._groups: dict[str, dict[Channel, dict[Signature, LaneGroup]]] = {}
        # (queue, channel) -> ready agents with room for it, longest idle first
        self._available: dict[tuple[str, Channel], dict[str, Agent]] = {}
        # agent -> contacts waiting for that agent only (sticky window)
        self._holds: dict[str, dict[str, Contact]] = {}
        # agent -> queued contacts that prefer it, to re-place when it comes or goes
        self._preferrers: dict[str, set[str]] = {}
        self._timers: list[tuple[float, str, int]] = []
        self._expiries: list[tuple[float, str, str]] = []
        self._level_keys: dict[tuple[bool, int, bool, Signature], int] = {}
        self._queued: dict[str, int] = {}
        self._waits: dict[str, list[tuple[float, str, int]]] = {}
        self._clock = float("-inf")
        self._idle_seq = 0
        self._changed_contacts: set[str] = set()
        self._changed_agents: set[str] = set()
        self._handle_times: dict[str, HandleTime] = {}
        self._changed_handle_times: set[str] = set()

    # -- time ---------------------------------------------------------------

    def _now(self, now: float) -> float:
        """Time never runs backwards inside a pool: bound promotions are one-way."""
        if now < self._clock:
            return self._clock
        self._clock = now
        return now

    # -- contacts in the index ---------------------------------------------

    def _level_key(self, contact: Contact) -> int:
        config = self.config.queue(contact.queue)
        key = (
            config.relax_after_seconds is not None,
            config.relax_by,
            config.any_agent_after_seconds is not None,
            contact.requirements,
        )
        found = self._level_keys.get(key)
        if found is None:
            found = self._level_keys[key] = len(self._level_keys)
        return found

    def _enter_queue(self, contact: Contact, now: float) -> None:
        """(Re-)queue a contact; its ``enqueued_at`` is never touched here."""
        contact.state = _QUEUED
        contact.agent_id = None
        contact.offer_id = None
        contact.offer_expires_at = None
        contact.assigned_at = None
        contact.epoch += 1
        config = self.config.queue(contact.queue)
        self._schedule_next(contact, config, now)
        if contact.preferred_agent is not None:
            self._preferrers.setdefault(contact.preferred_agent, set()).add(contact.interaction_id)
        queue = contact.queue
        self._queued[queue] = self._queued.get(queue, 0) + 1
        heapq.heappush(
            self._waits.setdefault(queue, []),
            (contact.wait_origin, contact.interaction_id, contact.epoch),
        )
        self._place(contact, config, now)

    def _schedule_next(self, contact: Contact, config: QueueConfig, now: float) -> None:
        """One pending timer per queued contact (its next change), not all three:
        at 100k contacts each heap entry costs ~90 bytes."""
        upcoming = [moment for moment in stage_changes(contact, config) if moment > now]
        if upcoming:
            heapq.heappush(self._timers, (min(upcoming), contact.interaction_id, contact.epoch))

    def _leave_queue(self, contact: Contact) -> None:
        self._unplace(contact)
        self._queued[contact.queue] -= 1
        if contact.preferred_agent is not None:
            preferrers = self._preferrers.get(contact.preferred_agent)
            if preferrers is not None:
                preferrers.discard(contact.interaction_id)
                if not preferrers:
                    del self._preferrers[contact.preferred_agent]

    def _holder(self, contact: Contact, config: QueueConfig, now: float) -> str | None:
        """The agent a contact waits for alone: its preferred agent, while that
        agent is ready for the queue and the sticky window is open. A preferred
        agent on break or logged out is not worth waiting for."""
        until = sticky_until(contact, config)
        if until is None or now >= until:
            return None
        agent = self._agents.get(contact.preferred_agent or "")
        if agent is None or agent.presence is not _READY or contact.queue not in agent.queue_set:
            return None
        return agent.agent_id

    def _place(self, contact: Contact, config: QueueConfig, now: float) -> None:
        contact.stage = stage_at(contact, config, now)
        holder = self._holder(contact, config, now)
        if holder is not None:
            contact.held_by = holder
            self._holds.setdefault(holder, {})[contact.interaction_id] = contact
            return
        groups = self._groups.setdefault(contact.queue, {}).setdefault(contact.channel, {})
        group = groups.get(contact.requirements)
        if group is None:
            group = groups[contact.requirements] = LaneGroup(
                contact.requirements, contact.level_key
            )
        group.stages[contact.stage].push(contact, now)

    def _unplace(self, contact: Contact) -> None:
        holder = contact.held_by
        if holder is not None:
            held = self._holds[holder]
            del held[contact.interaction_id]
            if not held:
                del self._holds[holder]
            contact.held_by = None
            return
        lane = contact.lane
        if lane is None:
            return
        lane.remove(contact)
        if lane.group.live == 0:
            by_signature = self._groups[contact.queue][contact.channel]
            del by_signature[contact.requirements]
            if not by_signature:
                del self._groups[contact.queue][contact.channel]

    def _replace(self, contact: Contact, now: float) -> bool:
        """Move a queued contact if its stage or hold changed; True if it moved."""
        config = self.config.queue(contact.queue)
        stage = stage_at(contact, config, now)
        holder = self._holder(contact, config, now)
        if stage == contact.stage and holder == contact.held_by:
            return False
        self._unplace(contact)
        self._place(contact, config, now)
        return True

    def _replace_preferrers(self, agent_id: str, now: float) -> list[Contact]:
        moved = []
        for iid in self._preferrers.get(agent_id, ()):
            contact = self._contacts[iid]
            if self._replace(contact, now):
                moved.append(contact)
        return moved

    def _longest_waits(self, now: float) -> dict[str, float]:
        """Longest perceived wait per queue: heads of lazily cleaned heaps."""
        longest = {}
        for queue, heap in self._waits.items():
            while heap:
                _, iid, epoch = heap[0]
                contact = self._contacts.get(iid)
                if contact is not None and contact.state is _QUEUED and contact.epoch == epoch:
                    longest[queue] = max(0.0, now - heap[0][0])
                    break
                heapq.heappop(heap)
        return longest

    def _record_handle_time(self, queue: str, seconds: float) -> None:
        previous = self._handle_times.get(queue)
        self._handle_times[queue] = updated_handle_time(previous, seconds, self.config)
        self._changed_handle_times.add(queue)

    # -- agents in the index -------------------------------------------------

    def _touch(self, agent: Agent, now: float) -> None:
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

    def _list(self, agent: Agent) -> None:
        if agent.presence is not _READY:
            return
        for queue in agent.queues:
            for channel in agent.capacity:
                if agent.has_room(channel):
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

    def _level(self, agent: Agent, level_key: int, queue: str, signature: Signature) -> int:
        level = agent.levels.get(level_key)
        if level is None:
            level = agent.levels[level_key] = agent_level(
                agent.skills, signature, self.config.queue(queue)
            )
        return level

    # -- reading and persisting ----------------------------------------------

    def contact(self, interaction_id: str) -> Contact | None:
        """Read-only view for tests and tools: do not mutate what it returns."""
        return self._contacts.get(interaction_id)

    def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def contacts(self) -> list[Contact]:
        return list(self._contacts.values())

    def agents(self) -> list[Agent]:
        return list(self._agents.values())

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

    def _adopt(self, contact: Contact, now: float) -> None:
        prepare(contact, self.config.queue(contact.queue))
        contact.level_key = self._level_key(contact)
        self._contacts[contact.interaction_id] = contact
        agent = self._agents.get(contact.agent_id or "")
        if contact.state is _QUEUED or agent is None:
            self._enter_queue(contact, now)
            return
        channel = contact.channel
        agent.work[contact.interaction_id] = channel
        agent.load[channel] = agent.load.get(channel, 0) + 1
        agent.total += 1
        if contact.state is _OFFERED:
            expires_at = contact.offer_expires_at if contact.offer_expires_at is not None else now
            heapq.heappush(
                self._expiries, (expires_at, contact.offer_id or "", contact.interaction_id)
            )
