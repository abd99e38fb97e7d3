"""Where each queued contact sits: a lane of its (queue, channel, requirements,
widening stage), or held for its preferred agent during the sticky window; and
the timers at which time moves a contact from one place to another.

Part of the ``PoolIndex``, which owns the contacts and agents and reaches the
queued contacts only through the methods below.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from omniroute.schemas import Channel

from ._lanes import LaneGroup
from ._model import Agent, Contact, ContactState, PoolConfig, Presence, QueueConfig, Signature
from ._rules import agent_level, stage_at, stage_changes, sticky_until

__all__ = ["QueueIndex"]

_QUEUED = ContactState.QUEUED
_READY = Presence.READY


class QueueIndex:
    """The queued contacts of one pool, placed so that matching reads lane heads."""

    def __init__(
        self, config: PoolConfig, contacts: Mapping[str, Contact], agents: Mapping[str, Agent]
    ) -> None:
        self._config = config
        self._contacts = contacts  # the pool's, read-only here: to tell stale timers
        self._agents = agents  # the pool's, read-only here: who a contact may wait for
        # queue -> channel -> signature -> lanes of queued contacts
        self._groups: dict[str, dict[Channel, dict[Signature, LaneGroup]]] = {}
        # agent -> contacts waiting for that agent only (sticky window)
        self._holds: dict[str, dict[str, Contact]] = {}
        # agent -> queued contacts that prefer it, to re-place when it comes or goes
        self._preferrers: dict[str, set[str]] = {}
        self._timers: list[tuple[float, str, int]] = []
        self._level_keys: dict[tuple[bool, int, bool, Signature], int] = {}
        self._queued: dict[str, int] = {}
        self._members: dict[str, dict[str, Contact]] = {}  # queue -> its queued contacts
        self._waits: dict[str, list[tuple[float, str, int]]] = {}
        # Read-only views for the matcher (plain lookups on its hot path, no calls).
        self.lanes: Mapping[str, Mapping[Channel, Mapping[Signature, LaneGroup]]] = self._groups
        """Queue -> channel -> requirement signature -> the lanes of queued contacts."""
        self.holds: Mapping[str, Mapping[str, Contact]] = self._holds
        """Agent -> the contacts waiting for it alone (its sticky window), by id."""

    # -- reading -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {queue: count for queue, count in self._queued.items() if count}

    def queued_in(self, queue: str) -> Iterable[Contact]:
        """The contacts queued in ``queue``, without a walk over the whole pool."""
        return self._members.get(queue, {}).values()

    def longest_waits(self, now: float) -> dict[str, float]:
        """Longest perceived wait per queue: heads of lazily cleaned heaps."""
        longest = {}
        for queue, heap in self._waits.items():
            while heap:
                _, iid, epoch = heap[0]
                if self._current(iid, epoch):
                    longest[queue] = max(0.0, now - heap[0][0])
                    break
                heapq.heappop(heap)
        return longest

    def next_timer(self) -> float | None:
        """When time next moves a queued contact (widening, a sticky window ending)."""
        timers = self._timers
        while timers and not self._current(timers[0][1], timers[0][2]):
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    # -- changes -------------------------------------------------------------

    def level_key(self, contact: Contact) -> int:
        """Contacts whose requirements widen alike share a key: agents cache levels by it."""
        config = self._config.queue(contact.queue)
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

    def enter(self, contact: Contact, now: float) -> None:
        """(Re-)queue a contact; its ``enqueued_at`` is never touched here."""
        contact.state = _QUEUED
        contact.agent_id = None
        contact.offer_id = None
        contact.offer_expires_at = None
        contact.assigned_at = None
        contact.epoch += 1
        config = self._config.queue(contact.queue)
        self._schedule_next(contact, config, now)
        if contact.preferred_agent is not None:
            self._preferrers.setdefault(contact.preferred_agent, set()).add(contact.interaction_id)
        queue = contact.queue
        self._queued[queue] = self._queued.get(queue, 0) + 1
        self._members.setdefault(queue, {})[contact.interaction_id] = contact
        heapq.heappush(
            self._waits.setdefault(queue, []),
            (contact.wait_origin, contact.interaction_id, contact.epoch),
        )
        self._place(contact, config, now)

    def leave(self, contact: Contact) -> None:
        self._unplace(contact)
        self._queued[contact.queue] -= 1
        self._members[contact.queue].pop(contact.interaction_id, None)
        if contact.preferred_agent is not None:
            preferrers = self._preferrers.get(contact.preferred_agent)
            if preferrers is not None:
                preferrers.discard(contact.interaction_id)
                if not preferrers:
                    del self._preferrers[contact.preferred_agent]

    def advance(self, now: float) -> list[Contact]:
        """Apply the widening and sticky-window ends due by ``now``; returns the
        contacts that moved (the only ones that may have gained an agent)."""
        timers = self._timers
        if not timers or timers[0][0] > now:
            return []
        changed: dict[str, Contact] = {}
        while timers and timers[0][0] <= now:
            _, iid, epoch = heapq.heappop(timers)
            if not self._current(iid, epoch):
                continue
            contact = self._contacts[iid]
            self._schedule_next(contact, self._config.queue(contact.queue), now)
            if self._replace(contact, now):
                changed[iid] = contact
        return list(changed.values())

    def replace_preferrers(self, agent_id: str, now: float) -> list[Contact]:
        """The agent came or went: re-place the contacts that prefer it; returns
        those that moved (held for it, or released to their lanes)."""
        moved = []
        for iid in self._preferrers.get(agent_id, ()):
            contact = self._contacts[iid]
            if self._replace(contact, now):
                moved.append(contact)
        return moved

    # -- internals -----------------------------------------------------------

    def _current(self, iid: str, epoch: int) -> bool:
        """A timer or wait entry is live while its contact is queued in the same stint."""
        contact = self._contacts.get(iid)
        return contact is not None and contact.state is _QUEUED and contact.epoch == epoch

    def _schedule_next(self, contact: Contact, config: QueueConfig, now: float) -> None:
        """One pending timer per queued contact (its next change), not all three:
        at 100k contacts each heap entry costs ~90 bytes."""
        upcoming = [moment for moment in stage_changes(contact, config) if moment > now]
        if upcoming:
            heapq.heappush(self._timers, (min(upcoming), contact.interaction_id, contact.epoch))

    def _holder(self, contact: Contact, config: QueueConfig, now: float) -> str | None:
        """The agent a contact waits for alone: its preferred agent, while that
        agent is ready for the queue, could take the contact once it has room (it
        handles the channel and has the skills at the contact's widening stage), and
        the sticky window is open. A preferred agent on break, logged out, or who can
        never take this contact (a chat-only agent and a call) is not worth waiting
        for: the contact goes to whoever is eligible. A contact transferred to a named
        agent waits for that agent alone, ready or not, until its hold ends."""
        if contact.hold_for is not None and now < contact.hold_until:
            return contact.hold_for
        until = sticky_until(contact, config)
        if until is None or now >= until:
            return None
        agent = self._agents.get(contact.preferred_agent or "")
        if (
            agent is None
            or agent.presence is not _READY
            or contact.queue not in agent.queue_set
            or agent.capacity.get(contact.channel, 0) < 1
            or agent.max_total < 1
            or agent_level(agent.skills, contact.requirements, config)
            > stage_at(contact, config, now)
        ):
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
            lane.group.release()
            if not by_signature:
                del self._groups[contact.queue][contact.channel]

    def _replace(self, contact: Contact, now: float) -> bool:
        """Move a queued contact if its stage or hold changed; True if it moved."""
        config = self._config.queue(contact.queue)
        stage = stage_at(contact, config, now)
        holder = self._holder(contact, config, now)
        if stage == contact.stage and holder == contact.held_by:
            return False
        self._unplace(contact)
        self._place(contact, config, now)
        return True
