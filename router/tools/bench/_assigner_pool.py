"""``omniroute bench assigner``: the assignment pool in process, no broker.
Agent-ready -> offer latency and state memory at contact-center scale.

    omniroute bench assigner [--agents 10000] [--contacts 100000] [--events 20000]

Builds one pool with 20 queues over voice, chat and e-mail, realistic skill
signatures (language x product at set proficiencies), 10k agents (voice,
chat x3, blended chat+e-mail) and 100k queued contacts, then replays a steady
state: agents coming ready, finishing work and new contacts arriving, each
timed from the call to the returned offers (state transition + match). Not a
test: run it by hand. Randomness is seeded; time is simulated.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from omniroute.agents import (
    AgentSpec,
    Contact,
    Effect,
    OfferPlan,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
    Signature,
)
from omniroute.router.tools.harness import percentile
from omniroute.schemas import Channel, CustomerContext, Tier

__all__ = ["run_assigner_pool_bench"]

LANGUAGES = ("en", "de", "fr", "es")
PRODUCTS = ("mobile", "broadband", "tv", "billing", "devices")
START = 1_000_000.0
QUEUE_CHANNELS = (Channel.VOICE,) * 10 + (Channel.CHAT,) * 6 + (Channel.EMAIL,) * 4


@dataclass(frozen=True, slots=True)
class Scenario:
    config: PoolConfig
    queues: tuple[str, ...]
    channel_of: dict[str, Channel]
    signatures: dict[str, tuple[Signature, ...]]


def build_scenario(rng: random.Random) -> Scenario:
    queues = tuple(f"q{index:02d}-{channel.value}" for index, channel in enumerate(QUEUE_CHANNELS))
    channel_of = dict(zip(queues, QUEUE_CHANNELS, strict=True))
    bounds = {Channel.VOICE: 300.0, Channel.CHAT: 600.0, Channel.EMAIL: 14_400.0}
    configs = {
        queue: QueueConfig(
            aging_per_second=1.0,
            max_wait_seconds=bounds[channel],
            relax_after_seconds=60.0,
            relax_by=2,
            any_agent_after_seconds=180.0 if channel is not Channel.EMAIL else 3_600.0,
            sticky_seconds=30.0,
        )
        for queue, channel in channel_of.items()
    }
    signatures = {
        queue: tuple(
            tuple(
                sorted(
                    [
                        (rng.choice(LANGUAGES), rng.randint(5, 8)),
                        (rng.choice(PRODUCTS), rng.randint(3, 7)),
                    ]
                )
            )
            for _ in range(6)
        )
        for queue in queues
    }
    config = PoolConfig(name="bench", queues=configs, offer_timeout_seconds=20.0)
    return Scenario(config, queues, channel_of, signatures)


def agent_spec(rng: random.Random, index: int, scenario: Scenario) -> AgentSpec:
    kind = rng.random()
    if kind < 0.5:
        capacity, max_total = {Channel.VOICE: 1}, 1
    elif kind < 0.8:
        capacity, max_total = {Channel.CHAT: 3}, 3
    else:
        capacity, max_total = {Channel.CHAT: 2, Channel.EMAIL: 2}, 3
    servable = [q for q in scenario.queues if scenario.channel_of[q] in capacity]
    queues = tuple(rng.sample(servable, k=min(len(servable), rng.randint(3, 5))))
    skills = {language: rng.randint(4, 10) for language in rng.sample(LANGUAGES, 2)}
    skills |= {product: rng.randint(3, 10) for product in rng.sample(PRODUCTS, 3)}
    return AgentSpec(f"agent-{index:05d}", queues, skills, capacity, max_total, Presence.NOT_READY)


def new_contact(rng: random.Random, serial: int, scenario: Scenario, now: float) -> Contact:
    queue = rng.choice(scenario.queues)
    tier = rng.choices((Tier.STANDARD, Tier.GOLD, Tier.VIP), weights=(80, 15, 5))[0]
    priority = {Tier.STANDARD: 0, Tier.GOLD: 50, Tier.VIP: 100}[tier]
    customer_id = f"cust-{serial:07d}"
    return Contact(
        interaction_id=f"int-{serial:07d}",
        customer_id=customer_id,
        queue=queue,
        channel=scenario.channel_of[queue],
        priority=priority,
        enqueued_at=now,
        wait_offset=rng.choice((0.0, 0.0, 15.0, 45.0, 90.0)),
        requirements=rng.choice(scenario.signatures[queue]),
        preferred_agent=f"agent-{rng.randrange(10_000):05d}" if rng.random() < 0.05 else None,
        reason=rng.choice(PRODUCTS),
        customer=CustomerContext(
            customer_id=customer_id, known=True, name="A. Customer", tier=tier
        ),
    )


def timed(samples: list[float], method: Callable[..., list[Effect]], *args: object) -> list[Effect]:
    started = time.perf_counter()
    effects = method(*args)
    samples.append(time.perf_counter() - started)
    return effects


def report(name: str, samples: list[float]) -> None:
    if not samples:
        return
    micro = [s * 1e6 for s in samples]
    print(
        f"  {name:<28} n={len(micro):>6}  p50={percentile(micro, 0.5):8.1f} us"
        f"  p99={percentile(micro, 0.99):8.1f} us  max={max(micro):9.1f} us"
        f"  mean={statistics.fmean(micro):7.1f} us"
    )


def build(agents: int, contacts: int, rng: random.Random) -> tuple[Pool, Scenario, list[str]]:
    """Build the pool under tracemalloc and report what its state weighs."""
    scenario = build_scenario(rng)
    specs = [agent_spec(rng, i, scenario) for i in range(agents)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    started = time.perf_counter()
    pool = Pool(scenario.config)
    for spec in specs:
        pool.login(spec, START)
    # The backlog built up over the last ten minutes while agents were away.
    for serial in range(contacts):
        at = START - 600 + serial * 600 / contacts
        pool.enqueue(new_contact(rng, serial, scenario, at), START)
    built = time.perf_counter() - started
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    state = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"built {agents} agents + {contacts} queued contacts in {built:.1f} s")
    print(
        f"state memory (tracemalloc): {state / 2**20:.1f} MiB,"
        f" {state / max(1, contacts):.0f} B per queued contact all-in"
        " (agents, indexes and each contact's CustomerContext included)"
    )
    return pool, scenario, [spec.agent_id for spec in specs]


@dataclass(slots=True)
class Replay:
    """Agents come ready, finish work and contacts arrive; every offer is accepted."""

    pool: Pool
    rng: random.Random
    scenario: Scenario
    not_ready: list[str]
    serial: int
    now: float = START
    offers: int = 0
    busy: list[tuple[str, str]] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    completed: list[float] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)
    accepted: list[float] = field(default_factory=list)

    def accept_all(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, OfferPlan):
                self.offers += 1
                agent, iid = effect.agent_id, effect.interaction_id
                timed(self.accepted, self.pool.accept, agent, iid, effect.offer_id, self.now)
                self.busy.append((agent, iid))

    def step(self) -> None:
        self.now += 0.01
        roll = self.rng.random()
        pool = self.pool
        if self.not_ready and roll < 0.5:
            agent_id = self.not_ready.pop()
            effects = timed(self.ready, pool.set_presence, agent_id, Presence.READY, self.now)
        elif self.busy and roll < 0.9:
            agent_id, iid = self.busy.pop(self.rng.randrange(len(self.busy)))
            effects = timed(self.completed, pool.complete_work, agent_id, iid, self.now)
        else:
            contact = new_contact(self.rng, self.serial, self.scenario, self.now)
            self.serial += 1
            effects = timed(self.arrived, pool.enqueue, contact, self.now)
        self.accept_all(effects)


def run_assigner_pool_bench(
    *, agents: int = 10_000, contacts: int = 100_000, events: int = 20_000, seed: int = 7
) -> None:
    """Build the pool, replay ``events`` steps of a steady state, print the figures."""
    rng = random.Random(seed)
    pool, scenario, agent_ids = build(agents, contacts, rng)
    rng.shuffle(agent_ids)
    replay = Replay(pool, rng, scenario, agent_ids, serial=contacts)
    for _ in range(events):
        replay.step()
    load = pool.load(replay.now)
    print(
        f"after {events} events: {replay.offers} offers, {load.queued} queued,"
        f" {load.agents_ready} agents with room, occupancy {load.occupancy:.2f}"
    )
    print("latency, call -> offers returned (state transition + match):")
    report("agent ready -> offer", replay.ready)
    report("work completed -> offer", replay.completed)
    report("contact arrives -> offer", replay.arrived)
    report("offer accepted", replay.accepted)
    started = time.perf_counter()
    pool.load(replay.now)
    print(f"  pool load (PoolLoad fields)   {1e3 * (time.perf_counter() - started):.1f} ms")
    started = time.perf_counter()
    waits = pool.wait_estimates(replay.now)
    print(
        f"  wait estimates, all contacts  {1e3 * (time.perf_counter() - started):.1f} ms"
        f" ({len(waits)} contacts)"
    )
