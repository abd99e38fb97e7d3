"""The plain case anyone can check with a calculator: one FIFO queue, Poisson
arrivals, exponential handle times, optionally exponential patience, through
the real pool. Also the textbook Erlang C the staffing table compares with.

The pool is configured so it behaves as the M/M/n(+M) model assumes: one queue,
one priority (aging then keeps first come, first served), no skills, offers that
never time out and agents who answer at once, so the measured wait is the
queue wait.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from omniroute.agents import AgentSpec, Contact, PoolConfig, Presence, QueueConfig
from omniroute.schemas import Channel

from ._distributions import Exponential
from ._engine import AgentRun, ContactRun, Floor
from ._report import occupancy, summarize

__all__ = [
    "ErlangRun",
    "agents_for_service_level",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "run_erlang",
]

_POOL = "erlang"
_QUEUE = "fifo"


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a contact waits (M/M/n), via the stable Erlang B recursion."""
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c_service_level(
    arrivals_per_hour: float, aht_seconds: float, agents: int, target_seconds: float
) -> float:
    traffic = arrivals_per_hour * aht_seconds / 3600.0
    if agents <= traffic:
        return 0.0
    wait = erlang_c(traffic, agents)
    return 1.0 - wait * math.exp(-(agents - traffic) * target_seconds / aht_seconds)


def erlang_c_asa(arrivals_per_hour: float, aht_seconds: float, agents: int) -> float:
    traffic = arrivals_per_hour * aht_seconds / 3600.0
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * aht_seconds / (agents - traffic)


def agents_for_service_level(
    arrivals_per_hour: float, aht_seconds: float, target_seconds: float, service_level: float
) -> int:
    """The fewest agents for which Erlang C meets the service level."""
    agents = max(1, math.floor(arrivals_per_hour * aht_seconds / 3600.0) + 1)
    while erlang_c_service_level(arrivals_per_hour, aht_seconds, agents, target_seconds) < (
        service_level
    ):
        agents += 1
    return agents


@dataclass(frozen=True, slots=True)
class ErlangRun:
    arrivals_per_hour: float
    aht_seconds: float
    agents: int
    target_seconds: float
    hours: float
    seed: int
    patience_seconds: float | None = None
    warmup_hours: float = 0.5
    wrap_up_seconds: float = 0.0
    """The queue's wrap-up time (as the policy file sets it): the pool holds each
    agent this long after completing, so Erlang C sees ``aht + wrap_up``."""

    def run(self) -> dict[str, float | int | None]:
        return run_erlang(self)


def _pool_config(wrap_up_seconds: float = 0.0) -> PoolConfig:
    fifo = QueueConfig(aging_per_second=1.0, sticky_seconds=0.0, wrap_up_seconds=wrap_up_seconds)
    return PoolConfig(
        name=_POOL,
        queues={_QUEUE: fifo},
        default_queue=fifo,
        offer_timeout_seconds=1e9,
        misses_before_not_ready=1_000_000,
    )


def run_erlang(spec: ErlangRun) -> dict[str, float | int | None]:
    """Simulate ``warmup_hours + hours`` and report on the contacts that arrived
    after the warm-up (the queue starts empty, which flatters the first minutes)."""
    rng = random.Random(spec.seed)
    floor = Floor({_POOL: _pool_config(spec.wrap_up_seconds)}, rng)
    for n in range(spec.agents):
        floor.add_agent(
            AgentRun(
                spec=AgentSpec(
                    agent_id=f"a{n:04d}",
                    queues=(_QUEUE,),
                    skills={},
                    capacity={Channel.VOICE: 1},
                    presence=Presence.READY,
                ),
                pool=_POOL,
            )
        )
    handle = Exponential(spec.aht_seconds)
    patience = Exponential(spec.patience_seconds) if spec.patience_seconds else None
    rate = spec.arrivals_per_hour / 3600.0
    begin = spec.warmup_hours * 3600.0
    end = begin + spec.hours * 3600.0

    def arrivals() -> Generator[simpy.Event, None, None]:
        count = 0
        while True:
            yield floor.env.timeout(rng.expovariate(rate))
            if floor.now >= end:
                return
            count += 1
            iid = f"i{count}"
            floor.arrive(
                ContactRun(
                    contact=Contact(
                        interaction_id=iid,
                        customer_id=iid,
                        queue=_QUEUE,
                        channel=Channel.VOICE,
                        priority=0,
                        enqueued_at=floor.now,
                    ),
                    pool=_POOL,
                    arrived=floor.now,
                    handle_seconds=handle.draw(rng),
                    patience_seconds=patience.draw(rng) if patience else math.inf,
                    target_seconds=spec.target_seconds,
                )
            )

    floor.env.process(arrivals())
    floor.run(end)
    floor.drain(4 * 3600.0)
    counted = [r for r in floor.contacts if r.arrived >= begin]
    held = spec.aht_seconds + spec.wrap_up_seconds  # what Erlang C calls the handle time
    summary = summarize(counted)
    result: dict[str, float | int | None] = {
        "arrivals_per_hour": spec.arrivals_per_hour,
        "aht_seconds": spec.aht_seconds,
        "agents": spec.agents,
        "target_seconds": spec.target_seconds,
        "patience_seconds": spec.patience_seconds,
        "hours": spec.hours,
        "seed": spec.seed,
        "wrap_up_seconds": spec.wrap_up_seconds,
        "offered_erlangs": spec.arrivals_per_hour * held / 3600.0,
        "occupancy": occupancy(floor.contacts, floor.agents(), begin, end),
        **summary.as_dict(),
    }
    if spec.patience_seconds is None:
        result["erlang_c_service_level"] = erlang_c_service_level(
            spec.arrivals_per_hour, held, spec.agents, spec.target_seconds
        )
        result["erlang_c_asa_seconds"] = erlang_c_asa(spec.arrivals_per_hour, held, spec.agents)
        if spec.wrap_up_seconds and spec.arrivals_per_hour * spec.aht_seconds / 3600 < spec.agents:
            # What Erlang C says if wrap-up is left out of the handle time: too rosy.
            result["erlang_c_talk_only_service_level"] = erlang_c_service_level(
                spec.arrivals_per_hour, spec.aht_seconds, spec.agents, spec.target_seconds
            )
            result["erlang_c_talk_only_asa_seconds"] = erlang_c_asa(
                spec.arrivals_per_hour, spec.aht_seconds, spec.agents
            )
    return result
