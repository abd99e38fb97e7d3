"""The incremental matcher over a pool's indexes.

Invariant kept after every public mutation: *no ready agent with room is
eligible for a queued contact*. An event can only create new eligible pairs
that involve what it touched (an agent that gained room, a contact that
entered the queue or widened), so ``match`` only looks from those: each
touched contact asks for its best agent, each touched agent for its best
contact, and the globally best such contact is served first, again and again.
That is exactly what a brute-force "serve the best contact that has any
eligible agent" loop does from a stable state, which the property tests check.

The matcher owns no state but the agents' level cache: it reads the index
through its read-only views (``contact_by_id``, ``agent_by_id``, ``available``,
``queues.lanes``, ``queues.holds``) and changes it only through
``PoolIndex.reserve``.
"""

from __future__ import annotations

from collections.abc import Iterable

from omniroute.schemas import Channel

from ._effects import OfferPlan
from ._index import PoolIndex
from ._model import Agent, Contact, ContactState, Presence, Signature
from ._rules import OrderKey, agent_level, order_key

__all__ = ["Matcher"]

_QUEUED = ContactState.QUEUED
_READY = Presence.READY


class Matcher:
    """Eligibility, search and offers over one pool's index."""

    def __init__(self, index: PoolIndex) -> None:
        self._index = index
        self._config = index.config
        self._contacts = index.contact_by_id
        self._agents = index.agent_by_id
        self._available = index.available
        self._lanes = index.queues.lanes
        self._holds = index.queues.holds

    def match(
        self, now: float, contacts: Iterable[Contact], agents: Iterable[Agent]
    ) -> list[OfferPlan]:
        """Serve the best contact that has an eligible agent, until none has.

        Only touched contacts and agents can form new pairs. A contact or agent
        found without a partner is dropped for good: matching only consumes
        room and contacts, so it cannot gain one later in the same call.
        """
        live = self._contacts  # a contact removed by this event is gone
        queue_config = self._config.queue
        pending = sorted(
            (c for c in contacts if c.state is _QUEUED and live.get(c.interaction_id) is c),
            key=lambda c: order_key(c, queue_config(c.queue), now),
        )
        seekers = list({a.agent_id: a for a in agents}.values())
        offers: list[OfferPlan] = []
        position = 0
        while True:
            chosen: Contact | None = None
            chosen_key: OrderKey | None = None
            chosen_agent: Agent | None = None
            while position < len(pending):
                contact = pending[position]
                agent = self._best_agent(contact) if contact.state is _QUEUED else None
                if agent is not None:
                    chosen, chosen_agent = contact, agent
                    chosen_key = order_key(contact, queue_config(contact.queue), now)
                    break
                position += 1
            still_seeking = []
            for agent in seekers:
                if agent.presence is not _READY or agent.total >= agent.max_total:
                    continue
                found = self._best_contact_for(agent, now)
                if found is None:
                    continue
                still_seeking.append(agent)
                if chosen_key is None or found[0] < chosen_key:
                    chosen_key, chosen = found
                    chosen_agent = None
            seekers = still_seeking
            if chosen is None:
                return offers
            if chosen_agent is None:
                chosen_agent = self._best_agent(chosen)
                if chosen_agent is None:  # pragma: no cover - would break the invariant
                    raise AssertionError(f"{chosen.interaction_id} found by an agent has none")
            offers.append(self._offer(chosen, chosen_agent, now))

    # -- search --------------------------------------------------------------

    def _level(self, agent: Agent, level_key: int, queue: str, signature: Signature) -> int:
        """The widening stage from which ``agent`` qualifies, cached per level key."""
        level = agent.levels.get(level_key)
        if level is None:
            level = agent.levels[level_key] = agent_level(
                agent.skills, signature, self._config.queue(queue)
            )
        return level

    def _eligible(self, agent: Agent, contact: Contact) -> bool:
        """A contact transferred to this agent by name is theirs whatever their queues."""
        return (
            agent.presence is _READY
            and (contact.queue in agent.queue_set or contact.hold_for == agent.agent_id)
            and agent.has_room(contact.channel)
            and self._level(agent, contact.level_key, contact.queue, contact.requirements)
            <= contact.stage
        )

    def _best_agent(self, contact: Contact) -> Agent | None:
        """Its preferred agent if eligible, else the longest-idle eligible one; an
        agent who declined the contact only when no other eligible agent is there
        (so a contact everyone declined once still goes to someone)."""
        if contact.held_by is not None:
            holder = self._agents.get(contact.held_by)
            return holder if holder is not None and self._eligible(holder, contact) else None
        declined = contact.declined
        fallback: Agent | None = None
        if contact.preferred_agent is not None:
            preferred = self._agents.get(contact.preferred_agent)
            if preferred is not None and self._eligible(preferred, contact):
                if not declined or preferred.agent_id not in declined:
                    return preferred
                fallback = preferred
        candidates = self._available.get((contact.queue, contact.channel))
        if candidates:
            for agent in candidates.values():
                level = self._level(agent, contact.level_key, contact.queue, contact.requirements)
                if level <= contact.stage:
                    if declined and agent.agent_id in declined:
                        fallback = fallback or agent
                        continue
                    return agent
        return fallback

    def _best_contact_for(self, agent: Agent, now: float) -> tuple[OrderKey, Contact] | None:
        """The best queued contact this agent may take: lane heads, then its holds."""
        best = self._best_in_lanes(agent, now)
        held = self._holds.get(agent.agent_id)
        if not held:
            return best
        for contact in held.values():
            if self._eligible(agent, contact):
                key = order_key(contact, self._config.queue(contact.queue), now)
                if best is None or key < best[0]:
                    best = (key, contact)
        return best

    def _best_in_lanes(self, agent: Agent, now: float) -> tuple[OrderKey, Contact] | None:
        """One head per lane the agent qualifies for: cost grows with lanes, not contacts."""
        best: tuple[OrderKey, Contact] | None = None
        lanes = self._lanes
        room: dict[Channel, bool] = {}  # per channel, not per queue and channel
        for queue in agent.queues:
            by_channel = lanes.get(queue)
            if not by_channel:
                continue
            config = self._config.queue(queue)
            for channel, groups in by_channel.items():
                free = room.get(channel)
                if free is None:
                    free = room[channel] = agent.has_room(channel)
                if not free:
                    continue
                for signature, group in groups.items():
                    level = self._level(agent, group.level_key, queue, signature)
                    for lane in group.stages[level:]:
                        head = lane.head(now) if lane.live else None
                        if head is None:
                            continue
                        key = order_key(head, config, now)
                        if best is None or key < best[0]:
                            best = (key, head)
        return best

    # -- offers --------------------------------------------------------------

    def _offer(self, contact: Contact, agent: Agent, now: float) -> OfferPlan:
        contact.attempts += 1
        contact.offer_id = f"{contact.interaction_id}#{contact.attempts}"
        expires_at = now + self._config.offer_timeout_seconds
        self._index.reserve(contact, agent, expires_at, now)
        return OfferPlan(
            offer_id=contact.offer_id,
            agent_id=agent.agent_id,
            interaction_id=contact.interaction_id,
            customer_id=contact.customer_id,
            queue=contact.queue,
            channel=contact.channel,
            priority=contact.priority,
            enqueued_at=contact.enqueued_at,
            expires_at=expires_at,
            attempt=contact.attempts,
            callback=contact.callback,
            reason=contact.reason,
            automation_path=contact.automation_path,
            automation_seconds=contact.wait_offset,
            customer=contact.customer,
            offer_allowed=contact.offer_allowed,
            explanation=contact.explanation,
            transfers=contact.transfers,
        )
