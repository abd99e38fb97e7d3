"""Overflow against the textbook: two identical pools, each M/M/n on its own, whose
contacts may overflow to the other pool after a wait, through the real pool.

Erlang C brackets the answer: with no overflow each pool is M/M/n (``separate``);
pooling both into one queue of 2n agents (``pooled``) is the best any sharing can do.
An overflow step after T seconds lies between, nearer ``pooled`` as T shrinks: the
contact moves once, to the back of the other pool's line by its queue entry.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from omniroute.agents import AgentSpec, Contact, PoolConfig, Presence, QueueConfig
from omniroute.schemas import Channel, OverflowStep

from ._distributions import Exponential
from ._engine import AgentRun, ContactRun, Floor
from ._erlang import erlang_c_asa, erlang_c_service_level
from ._report import summarize

__all__ = ["OverflowPair"]

_QUEUE = "fifo"
_POOLS = ("east", "west")


def _pool_config(name: str) -> PoolConfig:
    fifo = QueueConfig(aging_per_second=1.0, sticky_seconds=0.0)
    return PoolConfig(
        name=name,
        queues={_QUEUE: fifo},
        default_queue=fifo,
        offer_timeout_seconds=1e9,
        misses_before_not_ready=1_000_000,
    )


@dataclass(frozen=True, slots=True)
class OverflowPair:
    arrivals_per_hour: float
    """Per pool."""
    aht_seconds: float
    agents: int
    """Per pool."""
    target_seconds: float
    overflow_after: float | None
    """Seconds in queue before a contact overflows to the other pool; None: never."""
    hours: float
    seed: int
    warmup_hours: float = 0.5

    def run(self) -> dict[str, float | int | None]:
        """Simulate, then report on contacts that arrived after the warm-up, with
        Erlang C for the separate pools and for one pooled queue beside it."""
        rng = random.Random(self.seed)
        floor = Floor({pool: _pool_config(pool) for pool in _POOLS}, rng)
        for pool in _POOLS:
            for n in range(self.agents):
                spec = AgentSpec(
                    f"{pool}-{n:04d}", (_QUEUE,), {}, {Channel.VOICE: 1}, 1, Presence.READY
                )
                floor.add_agent(AgentRun(spec=spec, pool=pool))
        handle = Exponential(self.aht_seconds)
        begin = self.warmup_hours * 3600.0
        end = begin + self.hours * 3600.0
        for index, pool in enumerate(_POOLS):
            other = _POOLS[1 - index]
            steps = (
                ()
                if self.overflow_after is None
                else (OverflowStep(after_seconds=self.overflow_after, queue=_QUEUE, pool=other),)
            )
            floor.env.process(
                self._arrivals(floor, rng, pool=pool, steps=steps, handle=handle, end=end)
            )
        floor.run(end)
        floor.drain(4 * 3600.0)
        counted = [r for r in floor.contacts if r.arrived >= begin]
        summary = summarize(counted)
        lam, aht, n, target = (
            self.arrivals_per_hour,
            self.aht_seconds,
            self.agents,
            self.target_seconds,
        )
        return {
            "overflow_after": self.overflow_after,
            "contacts": len(counted),
            "overflowed_share": sum(1 for r in counted if r.overflows) / max(1, len(counted)),
            "service_level": summary.service_level,
            "asa_seconds": summary.asa_seconds,
            "erlang_c_separate_service_level": erlang_c_service_level(lam, aht, n, target),
            "erlang_c_separate_asa_seconds": erlang_c_asa(lam, aht, n),
            "erlang_c_pooled_service_level": erlang_c_service_level(2 * lam, aht, 2 * n, target),
            "erlang_c_pooled_asa_seconds": erlang_c_asa(2 * lam, aht, 2 * n),
        }

    def _arrivals(
        self,
        floor: Floor,
        rng: random.Random,
        *,
        pool: str,
        steps: tuple[OverflowStep, ...],
        handle: Exponential,
        end: float,
    ) -> Generator[simpy.Event, None, None]:
        rate = self.arrivals_per_hour / 3600.0
        count = 0
        while True:
            yield floor.env.timeout(rng.expovariate(rate))
            if floor.now >= end:
                return
            count += 1
            iid = f"{pool}-{count}"
            contact = Contact(iid, iid, _QUEUE, Channel.VOICE, 0, floor.now, overflow=steps)
            floor.arrive(
                ContactRun(
                    contact=contact,
                    pool=pool,
                    arrived=floor.now,
                    handle_seconds=handle.draw(rng),
                    patience_seconds=math.inf,
                    target_seconds=self.target_seconds,
                )
            )
