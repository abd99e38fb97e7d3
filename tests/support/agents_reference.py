"""A brute-force pool: the specification the indexed ``Pool`` is tested against.

No indexes, no lazy heaps, no timers: after every step it serves "the best
queued contact that has any eligible agent, to its preferred agent if eligible
else the longest idle one" until no pair is left, scanning everything. It
shares only the rule functions (``_rules``: order, stages, qualification) with
the real pool, so a bug in the indexes or the incremental bookkeeping shows up
as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omniroute.agents import (
    AgentPaused,
    AgentSpec,
    Contact,
    ContactAssigned,
    ContactState,
    Effect,
    OfferPlan,
    OfferRevocation,
    PoolConfig,
    Presence,
    RevokeWhy,
    agent_level,
    order_key,
    prepare,
    stage_at,
    sticky_until,
)
from omniroute.schemas import Channel

QUEUED, OFFERED, ASSIGNED = ContactState.QUEUED, ContactState.OFFERED, ContactState.ASSIGNED


@dataclass
class RefAgent:
    agent_id: str
    queues: tuple[str, ...]
    skills: dict[str, int]
    capacity: dict[Channel, int]
    max_total: int
    presence: Presence
    idle_since: float = 0.0
    idle_seq: int = 0
    misses: int = 0
    work: list[str] = field(default_factory=list)


class ReferencePool:
    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self.contacts: dict[str, Contact] = {}
        self.agents: dict[str, RefAgent] = {}
        self.seq = 0

    # -- the rules, spelled out --------------------------------------------------

    def load(self, agent: RefAgent, channel: Channel | None = None) -> int:
        return sum(
            1 for iid in agent.work if channel is None or self.contacts[iid].channel == channel
        )

    def has_room(self, agent: RefAgent, channel: Channel) -> bool:
        return self.load(agent) < agent.max_total and self.load(
            agent, channel
        ) < agent.capacity.get(channel, 0)

    def holder(self, contact: Contact, now: float) -> str | None:
        until = sticky_until(contact, self.config.queue(contact.queue))
        if until is None or now >= until:
            return None
        agent = self.agents.get(contact.preferred_agent or "")
        if agent is None or agent.presence is not Presence.READY:
            return None
        # Worth waiting for only if they could take it once they have room.
        if agent.capacity.get(contact.channel, 0) < 1 or agent.max_total < 1:
            return None
        if not self.qualifies(agent, contact, now):
            return None
        return agent.agent_id if contact.queue in agent.queues else None

    def qualifies(self, agent: RefAgent, contact: Contact, now: float) -> bool:
        config = self.config.queue(contact.queue)
        level = agent_level(agent.skills, contact.requirements, config)
        return level <= stage_at(contact, config, now)

    def eligible(self, agent: RefAgent, contact: Contact, now: float) -> bool:
        holder = self.holder(contact, now)
        return (
            contact.state is QUEUED
            and agent.presence is Presence.READY
            and contact.queue in agent.queues
            and self.has_room(agent, contact.channel)
            and self.qualifies(agent, contact, now)
            and (holder is None or holder == agent.agent_id)
        )

    def choose_agent(self, contact: Contact, now: float) -> RefAgent | None:
        candidates = [a for a in self.agents.values() if self.eligible(a, contact, now)]
        if not candidates:
            return None
        # An agent who declined the contact only when no other eligible agent is there.
        candidates = [a for a in candidates if a.agent_id not in contact.declined] or candidates
        preferred = self.agents.get(contact.preferred_agent or "")
        if preferred in candidates:
            return preferred
        return min(candidates, key=lambda a: (a.idle_since, a.idle_seq))

    def match(self, now: float) -> list[Effect]:
        offers: list[Effect] = []
        while True:
            queued = sorted(
                (c for c in self.contacts.values() if c.state is QUEUED),
                key=lambda c: order_key(c, self.config.queue(c.queue), now),
            )
            for contact in queued:
                agent = self.choose_agent(contact, now)
                if agent is not None:
                    offers.append(self.offer(contact, agent, now))
                    break
            else:
                return offers

    # -- state changes -----------------------------------------------------------

    def touch(self, agent: RefAgent, now: float) -> None:
        agent.idle_since = now
        agent.idle_seq = self.seq
        self.seq += 1

    def offer(self, contact: Contact, agent: RefAgent, now: float) -> OfferPlan:
        contact.state = OFFERED
        contact.attempts += 1
        contact.agent_id = agent.agent_id
        contact.offer_id = f"{contact.interaction_id}#{contact.attempts}"
        contact.offer_expires_at = now + self.config.offer_timeout_seconds
        agent.work.append(contact.interaction_id)
        self.touch(agent, now)
        return OfferPlan(
            offer_id=contact.offer_id,
            agent_id=agent.agent_id,
            interaction_id=contact.interaction_id,
            customer_id=contact.customer_id,
            queue=contact.queue,
            channel=contact.channel,
            priority=contact.priority,
            enqueued_at=contact.enqueued_at,
            expires_at=contact.offer_expires_at,
            attempt=contact.attempts,
            callback=contact.callback,
            reason=contact.reason,
            automation_path=contact.automation_path,
            automation_seconds=contact.wait_offset,
            customer=contact.customer,
        )

    def release(self, contact: Contact, now: float) -> RefAgent:
        agent = self.agents[contact.agent_id or ""]
        agent.work.remove(contact.interaction_id)
        self.touch(agent, now)
        return agent

    def requeue(self, contact: Contact) -> None:
        contact.state = QUEUED
        contact.agent_id = contact.offer_id = None
        contact.offer_expires_at = contact.assigned_at = None

    def revocation(self, contact: Contact, why: RevokeWhy) -> OfferRevocation:
        return OfferRevocation(
            contact.offer_id or "",
            contact.agent_id or "",
            contact.interaction_id,
            contact.queue,
            why,
        )

    def forget_if_gone(self, agent: RefAgent) -> None:
        if agent.presence is Presence.OFFLINE and not agent.work:
            del self.agents[agent.agent_id]

    def pause_if_missing(self, agent: RefAgent) -> list[Effect]:
        agent.misses += 1
        if agent.misses >= self.config.misses_before_not_ready and agent.presence is Presence.READY:
            agent.presence = Presence.NOT_READY
            return [AgentPaused(agent.agent_id, agent.misses)]
        return []

    # -- the events (same API as Pool) ---------------------------------------------
    # Each event changes the state as of ``now`` (stages and holds are read at
    # ``now``, there is nothing to advance), then serves: one match per event,
    # after it, so no offer is decided on a state the event itself replaced.

    def enqueue(self, contact: Contact, now: float) -> list[Effect]:
        if contact.interaction_id not in self.contacts:
            prepare(contact, self.config.queue(contact.queue))
            self.contacts[contact.interaction_id] = contact
        return self.match(now)

    def login(self, spec: AgentSpec, now: float) -> list[Effect]:
        agent = self.agents.get(spec.agent_id)
        if agent is None:
            agent = self.agents[spec.agent_id] = RefAgent(
                spec.agent_id, (), {}, {}, spec.max_total, spec.presence
            )
        agent.queues = tuple(dict.fromkeys(spec.queues))
        agent.skills = dict(spec.skills)
        agent.capacity = dict(spec.capacity)
        agent.max_total = spec.max_total
        agent.presence = spec.presence
        self.touch(agent, now)
        return self.match(now)

    def set_presence(self, agent_id: str, presence: Presence, now: float) -> list[Effect]:
        agent = self.agents.get(agent_id)
        if agent is None or agent.presence in (Presence.OFFLINE, presence):
            return self.match(now)
        if presence is Presence.OFFLINE:
            return self.logout(agent_id, now)
        agent.presence = presence
        if presence is Presence.READY:
            agent.misses = 0
            self.touch(agent, now)
        return self.match(now)

    def logout(self, agent_id: str, now: float) -> list[Effect]:
        effects: list[Effect] = []
        agent = self.agents.get(agent_id)
        if agent is not None:
            agent.presence = Presence.OFFLINE
            for iid in list(agent.work):
                contact = self.contacts[iid]
                if contact.state is OFFERED:
                    effects.append(self.revocation(contact, "agent_logged_out"))
                    self.release(contact, now)
                    self.requeue(contact)
            self.forget_if_gone(agent)
        return effects + self.match(now)

    def current_offer(self, agent_id: str, iid: str, offer_id: str) -> Contact | None:
        contact = self.contacts.get(iid)
        if (
            contact
            and contact.state is OFFERED
            and (contact.offer_id, contact.agent_id)
            == (
                offer_id,
                agent_id,
            )
        ):
            return contact
        return None

    def accept(self, agent_id: str, iid: str, offer_id: str, now: float) -> list[Effect]:
        contact = self.current_offer(agent_id, iid, offer_id)
        if contact is None:
            known = self.contacts.get(iid)
            if (
                known is not None
                and known.state == ASSIGNED
                and (known.offer_id, known.agent_id) == (offer_id, agent_id)
            ):  # a replayed accept: the same answer again
                waited = max(0.0, (known.assigned_at or now) - known.enqueued_at)
                again = ContactAssigned(
                    offer_id, agent_id, iid, known.queue, known.enqueued_at, waited
                )
                return [again, *self.match(now)]
            queue = known.queue if known else ""
            return [OfferRevocation(offer_id, agent_id, iid, queue, "superseded"), *self.match(now)]
        contact.state = ASSIGNED
        contact.assigned_at = now
        contact.offer_expires_at = None
        self.agents[agent_id].misses = 0
        waited = max(0.0, now - contact.enqueued_at)
        return [
            ContactAssigned(offer_id, agent_id, iid, contact.queue, contact.enqueued_at, waited),
            *self.match(now),
        ]

    def reject(self, agent_id: str, iid: str, offer_id: str, now: float) -> list[Effect]:
        effects: list[Effect] = []
        contact = self.current_offer(agent_id, iid, offer_id)
        if contact is not None:
            if agent_id not in contact.declined:
                contact.declined = (*contact.declined, agent_id)
            agent = self.release(contact, now)
            self.requeue(contact)
            effects += self.pause_if_missing(agent)
        return effects + self.match(now)

    def tick(self, now: float) -> list[Effect]:
        effects: list[Effect] = []
        expired = sorted(
            (c for c in self.contacts.values() if c.state is OFFERED),
            key=lambda c: (c.offer_expires_at or 0.0, c.offer_id or ""),
        )
        missed: dict[str, RefAgent] = {}
        for contact in expired:
            if (contact.offer_expires_at or 0.0) > now:
                break
            effects.append(self.revocation(contact, "timeout"))
            agent = self.release(contact, now)
            self.requeue(contact)
            missed[agent.agent_id] = agent
            agent.misses += 1
        for agent in missed.values():
            if (
                agent.misses >= self.config.misses_before_not_ready
                and agent.presence is Presence.READY
            ):
                agent.presence = Presence.NOT_READY
                effects.append(AgentPaused(agent.agent_id, agent.misses))
        return effects + self.match(now)

    def complete_work(self, agent_id: str, iid: str, now: float) -> list[Effect]:
        contact = self.contacts.get(iid)
        if contact is not None and contact.state is not QUEUED and contact.agent_id == agent_id:
            self.finish(contact, now)
        return self.match(now)

    def drop(self, iid: str, now: float, why: RevokeWhy) -> list[Effect]:
        effects: list[Effect] = []
        contact = self.contacts.get(iid)
        if contact is not None:
            if contact.state is OFFERED:
                effects.append(self.revocation(contact, why))
            self.finish(contact, now)
        return effects + self.match(now)

    def abandon(self, iid: str, now: float) -> list[Effect]:
        return self.drop(iid, now, "abandoned")

    def end(self, iid: str, now: float) -> list[Effect]:
        return self.drop(iid, now, "superseded")

    def to_callback(self, iid: str, now: float) -> list[Effect]:
        contact = self.contacts.get(iid)
        if contact is not None:
            contact.callback = True
        return self.match(now)

    def finish(self, contact: Contact, now: float) -> None:
        del self.contacts[contact.interaction_id]
        if contact.state is not QUEUED:
            self.forget_if_gone(self.release(contact, now))
