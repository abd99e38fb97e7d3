"""``omniroute bench router``: where the router's time goes, measured on this machine.

Three numbers: the pure policy alone, the stage with the real Redis round trips
amortised over a batch, and the whole worker end to end through the broker. A
benchmark, not a test: it asserts nothing and prints what it measured.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord
from omniroute.router.core import CustomerRecord, RoutingPolicy, route_events
from omniroute.router.runtime import Settings
from omniroute.router.stages.routing import (
    PolicyHolder,
    RedisCustomerStore,
    RouterMetrics,
    RouterStage,
    connect_redis,
)
from omniroute.router.tools.harness import TrafficGenerator, generate_customers
from omniroute.schemas import (
    InteractionArrived,
    InteractionEscalated,
    InteractionEvent,
    InteractionEventAdapter,
    utc_now,
)

__all__ = ["BenchResult", "bench_decisions", "bench_policy", "bench_stage"]


@dataclass(frozen=True, slots=True)
class BenchResult:
    name: str
    events: int
    seconds: float
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")

    @property
    def micros_per_event(self) -> float:
        return self.seconds / self.events * 1e6 if self.events else 0.0


def _records(events: int, customers: int, seed: int = 3) -> list[InboundRecord]:
    generator = TrafficGenerator(customers, seed=seed, bad_share=0.0, run_id="bench")
    now = utc_now()
    return [
        InboundRecord("omniroute.interactions", 0, n, e.key, e.value, None)
        for n, e in enumerate(generator.next(now) for _ in range(events))
    ]


def bench_decisions(
    policy: RoutingPolicy, *, events: int = 100_000, customers: int = 20_000
) -> BenchResult:
    """The policy alone: one ``route`` call per routable contact, nothing else."""
    records = _records(events, customers)
    routable = [
        e
        for e in (InteractionEventAdapter.validate_json(r.value or b"") for r in records)
        if isinstance(e, InteractionArrived | InteractionEscalated)
    ]
    known = {p.customer_id: CustomerRecord(p.customer_id, p) for p in generate_customers(customers)}
    now = utc_now()
    route = policy.route
    started = time.perf_counter()
    for event in routable:
        route(event, known[event.customer_id], {}, now)
    return BenchResult(
        "policy.route alone (decision built)", len(routable), time.perf_counter() - started
    )


def bench_policy(
    policy: RoutingPolicy, *, events: int = 100_000, customers: int = 20_000
) -> BenchResult:
    """The policy and history fold alone: decoded events, customers in memory."""
    records = _records(events, customers)
    decoded: list[tuple[InboundRecord, InteractionEvent]] = [
        (r, InteractionEventAdapter.validate_json(r.value or b"")) for r in records
    ]
    profiles = {p.customer_id: p for p in generate_customers(customers)}
    known = {cid: CustomerRecord(cid, profile) for cid, profile in profiles.items()}
    now = utc_now()
    started = time.perf_counter()
    for offset in range(0, len(decoded), 1000):
        route_events(
            decoded[offset : offset + 1000],
            known,
            policy,
            {},
            now=now,
            keep=20,
            max_age=timedelta(days=30),
        )
    return BenchResult("policy + history (pure)", events, time.perf_counter() - started)


async def _bench_stage(
    settings: Settings, policy: RoutingPolicy, events: int, customers: int, batch: int
) -> list[BenchResult]:
    client = connect_redis(settings.redis)
    store = RedisCustomerStore(client, recent_ttl_seconds=3600, timeout=5.0)
    await client.flushdb()
    await store.save_profiles(generate_customers(customers))
    records = _records(events, customers)
    stage = RouterStage(
        policy=PolicyHolder(policy),
        store=store,
        settings=settings.router.model_copy(update={"batch_max_records": batch}),
        metrics=RouterMetrics(CollectorRegistry()),
    )
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    timings: list[float] = []
    started = time.perf_counter()
    for chunk in batches:
        t0 = time.perf_counter()
        await stage.process(chunk)
        timings.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    fetch_started = time.perf_counter()
    for chunk in batches:
        await store.fetch([(r.key or b"").decode() for r in chunk])
    fetch = time.perf_counter() - fetch_started
    await client.aclose()
    p99 = statistics.quantiles(timings, n=100)[98] * 1000 if len(timings) > 1 else 0.0
    return [
        BenchResult(
            f"stage: decode+MGET+route+pipeline, batch {batch}",
            events,
            total,
            f"batch p99 {p99:.1f} ms",
        ),
        BenchResult(f"Redis MGET alone (profile+recent), batch {batch}", events, fetch),
    ]


def bench_stage(
    settings: Settings,
    policy: RoutingPolicy,
    *,
    events: int = 100_000,
    customers: int = 20_000,
    batch: int = 1000,
) -> list[BenchResult]:
    """The router stage against the real Redis named by ``settings`` (flushed first!)."""
    return asyncio.run(_bench_stage(settings, policy, events, customers, batch))
