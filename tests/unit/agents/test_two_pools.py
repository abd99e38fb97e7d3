"""An agent logged into two pools never holds more than their capacity across both.

Random sequences of every pool operation on two pools that share a capacity
ledger (``spread`` after each, as the assigner stage and the simulated floor
do). The ground truth is each pool's own record of the agent's work, not the
shared tally: after every step the agent's offered, assigned and wrapping-up
contacts, counted in both pools, fit their total and per-channel capacity, and
no ready agent with room left is passed over by either pool for a contact it
may take. Both pools are also restored from their records mid-run.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from omniroute.agents import (
    AgentSpec,
    CapacityLedger,
    Contact,
    ContactState,
    Effect,
    OfferPlan,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
    agent_record,
    contact_record,
    spread,
)
from omniroute.schemas import Channel
from tests.support.examples import examples

POOLS = ("care", "tech")
CHANNELS = (Channel.VOICE, Channel.CHAT)
AGENTS = ("a1", "a2", "a3")
CONFIGS = {
    "care": PoolConfig(name="care", default_queue=QueueConfig(wrap_up_seconds=5)),
    "tech": PoolConfig(name="tech", default_queue=QueueConfig(), offer_timeout_seconds=8),
}


class TwoPools(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.ledger = CapacityLedger()
        self.pools = {name: Pool(CONFIGS[name], self.ledger) for name in POOLS}
        self.now = 0.0
        self.count = 0
        self.offers: list[tuple[str, OfferPlan]] = []
        self.specs: dict[str, AgentSpec] = {}

    def _apply(self, pool: str, effects: list[Effect]) -> None:
        self.offers += [(pool, e) for e in effects if isinstance(e, OfferPlan)]
        for other, more in spread(self.ledger, self.pools, self.now):
            self.offers += [(other, e) for e in more if isinstance(e, OfferPlan)]

    @rule(seconds=st.floats(0, 6))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        for name, pool in self.pools.items():
            self._apply(name, pool.tick(self.now))

    @rule(
        agent=st.sampled_from(AGENTS),
        voice=st.integers(0, 2),
        chat=st.integers(0, 3),
        max_total=st.integers(1, 3),
    )
    def log_into_both(self, agent: str, voice: int, chat: int, max_total: int) -> None:
        """The agent's capacity is drawn once: a reconnect with less capacity keeps
        the work in progress above it (by design), which is not an over-offer."""
        spec = self.specs.setdefault(
            agent,
            AgentSpec(
                agent,
                ("q",),
                {},
                {Channel.VOICE: voice, Channel.CHAT: chat},
                max_total,
                Presence.READY,
            ),
        )
        for name, pool in self.pools.items():
            self._apply(name, pool.login(spec, self.now))

    @rule(pool=st.sampled_from(POOLS), channel=st.sampled_from(CHANNELS))
    def contact_arrives(self, pool: str, channel: Channel) -> None:
        self.count += 1
        iid = f"{pool}-{self.count}"
        contact = Contact(iid, f"c{self.count}", "q", channel, 0, self.now)
        self._apply(pool, self.pools[pool].enqueue(contact, self.now))

    @rule(data=st.data())
    def answer_an_offer(self, data: st.DataObject) -> None:
        if not self.offers:
            return
        pool, offer = self.offers.pop(data.draw(st.integers(0, len(self.offers) - 1)))
        answer = data.draw(st.sampled_from(("accept", "reject")))
        target = self.pools[pool]
        method = target.accept if answer == "accept" else target.reject
        self._apply(pool, method(offer.agent_id, offer.interaction_id, offer.offer_id, self.now))

    @rule(data=st.data(), early=st.booleans())
    def complete_work(self, data: st.DataObject, early: bool) -> None:
        held = [
            (name, c)
            for name, pool in self.pools.items()
            for c in pool.contacts()
            if c.state in (ContactState.ASSIGNED, ContactState.WRAP_UP)
        ]
        if not held:
            return
        name, contact = data.draw(st.sampled_from(held))
        pool, agent = self.pools[name], contact.agent_id or ""
        if contact.state is ContactState.ASSIGNED:
            self._apply(name, pool.complete_work(agent, contact.interaction_id, self.now))
        elif early:
            self._apply(name, pool.end_wrap_up(agent, contact.interaction_id, self.now))

    @rule(pool=st.sampled_from(POOLS), agent=st.sampled_from(AGENTS), ready=st.booleans())
    def presence(self, pool: str, agent: str, ready: bool) -> None:
        state = Presence.READY if ready else Presence.NOT_READY
        self._apply(pool, self.pools[pool].set_presence(agent, state, self.now))

    @rule(pool=st.sampled_from(POOLS), agent=st.sampled_from(AGENTS))
    def log_out_of_one(self, pool: str, agent: str) -> None:
        self._apply(pool, self.pools[pool].logout(agent, self.now))

    @rule(pool=st.sampled_from(POOLS))
    def rebuild_one_pool(self, pool: str) -> None:
        """The stage forgets a pool and restores it from its records (a takeover)."""
        old = self.pools[pool]
        contacts = [contact_record(c) for c in old.contacts()]
        agents = [agent_record(a) for a in old.agents()]
        old.detach()
        restored, effects = Pool.restore(
            CONFIGS[pool], contacts, agents, [], self.now, ledger=self.ledger
        )
        self.pools[pool] = restored
        self.offers = [(p, o) for p, o in self.offers if p != pool]
        self._apply(pool, effects)

    @invariant()
    def no_agent_holds_more_than_their_capacity_across_both_pools(self) -> None:
        for agent_id in AGENTS:
            held: dict[Channel, int] = {}
            capacity, max_total = None, None
            for pool in self.pools.values():
                agent = pool.agent(agent_id)
                if agent is None:
                    continue
                capacity, max_total = agent.capacity, agent.max_total
                for channel in agent.work.values():
                    held[channel] = held.get(channel, 0) + 1
            if capacity is None or max_total is None:
                continue
            assert sum(held.values()) <= max_total, (agent_id, held, max_total)
            for channel, count in held.items():
                assert count <= capacity.get(channel, 0), (agent_id, channel, count, capacity)

    @invariant()
    def no_pool_passes_over_a_ready_agent_with_room(self) -> None:
        for pool in self.pools.values():
            for contact in pool.contacts():
                if contact.state is not ContactState.QUEUED:
                    continue
                for agent in pool.agents():
                    assert not (
                        agent.presence is Presence.READY and agent.has_room(contact.channel)
                    ), f"{contact.interaction_id} waits while {agent.agent_id} has room"


TwoPools.TestCase.settings = settings(
    max_examples=examples(80),
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow],
    deadline=None,
)
test_an_agent_in_two_pools_never_holds_more_than_their_capacity = TwoPools.TestCase
