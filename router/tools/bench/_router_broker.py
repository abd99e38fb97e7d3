"""omniroute's router through the broker, as real worker processes: events/s draining
a backlog, and event -> decision latency at fixed offered loads."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client.parser import text_string_to_metric_families

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import (
    SimulatedEvent,
    TrafficGenerator,
    WorkerProcess,
    cpu_seconds,
    free_port,
    percentile,
    rss_mb,
    stop_workers,
)
from omniroute.schemas import topic, utc_now

from ._backlog import (
    Backlog,
    count_outputs,
    latency_probe,
    partitions_of,
    produce_all,
    send_unacked,
)

__all__ = [
    "DrainFigures",
    "LatencyFigures",
    "drain",
    "offered_load",
    "router_fleet",
    "worker_rss",
]

INTERACTIONS = topic("omniroute.interactions").name
DECISIONS = topic("omniroute.decisions").name


@dataclass(frozen=True, slots=True)
class DrainFigures:
    events_per_second: float
    decisions: int
    cpu_seconds: float
    """CPU the worker processes spent on the drain: a figure the other sessions
    sharing the machine cannot inflate, unlike the wall clock."""
    batches: int = 0
    """Batches the workers handled during the drain (their /metrics): a worker's
    fixed cost per batch (a Redis round trip, produce requests, a commit) is spread
    over fewer events when its batches are small."""


@dataclass(frozen=True, slots=True)
class LatencyFigures:
    offered_per_second: int
    achieved_per_second: float
    decisions: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


@contextmanager
def router_fleet(settings: Settings, workers: int, log_dir: Path) -> Iterator[list[WorkerProcess]]:
    """``workers`` router processes, all ready (partitions assigned) before yielding,
    so a drain measures work, not a group join or a rebalance."""
    fleet = [
        WorkerProcess(
            "router",
            settings.model_copy(update={"metrics_port": free_port()}),
            log_path=log_dir / f"router-{workers}w-{n}.log",
        )
        for n in range(workers)
    ]
    try:
        for worker in fleet:
            worker.start()
        for worker in fleet:
            worker.wait_ready(timeout=120)
        yield fleet
    finally:
        stop_workers(fleet)


def drain(
    settings: Settings,
    fleet: list[WorkerProcess],
    backlog: Backlog,
    *,
    timeout: float,
    on_progress: Callable[[int], None] | None = None,
) -> DrainFigures:
    """Put the backlog on the broker at once and time the decisions it yields,
    from the first decision's producer timestamp to the last's."""
    bootstrap = settings.kafka.bootstrap_servers
    cpu_before = sum(cpu_seconds(w.pid) for w in fleet)
    batches_before = _batches(fleet)

    async def run() -> tuple[int, float]:
        reader = asyncio.create_task(
            count_outputs(
                bootstrap,
                DECISIONS,
                backlog.marker,
                backlog.routable,
                wait=timeout,
                on_progress=on_progress,
            )
        )
        await produce_all(bootstrap, INTERACTIONS, backlog.records)
        drained = await reader
        return drained.count, drained.per_second * len(backlog.records) / max(backlog.routable, 1)

    count, per_second = asyncio.run(run())
    if count < backlog.routable:
        raise RuntimeError(
            f"router: only {count} of {backlog.routable} decisions in {timeout:.0f} s; "
            f"see {fleet[0].log_path.parent}"
        )
    cpu = sum(cpu_seconds(w.pid) for w in fleet) - cpu_before
    return DrainFigures(per_second, count, cpu, _batches(fleet) - batches_before)


def _batches(fleet: list[WorkerProcess]) -> int:
    """Router batches handled so far, summed over the fleet's /metrics."""
    total = 0.0
    for worker in fleet:
        url = f"http://127.0.0.1:{worker.settings.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "omniroute_batch_records_count":
                    total += sample.value
    return int(total)


def worker_rss(fleet: list[WorkerProcess]) -> list[float]:
    return [rss_mb(worker.pid) for worker in fleet]


async def _read_latencies(
    consumer: AIOKafkaConsumer,
    marker: bytes,
    sent_at: dict[str, float],
    expected: int,
    latencies: list[float],
) -> None:
    """Time each decision of this run from its event's send to its arrival here."""
    while len(latencies) < expected:
        fetched = await consumer.getmany(timeout_ms=100, max_records=10_000)
        arrived = time.time()
        for messages in fetched.values():
            for message in messages:
                value = message.value
                if value is None or marker not in value:
                    continue
                sent = sent_at.get(_cause_id(value))
                if sent is not None:
                    latencies.append(arrived - sent)


_PROBED = 0
"""The decisions partition the latency probe reads: a sixth of the decisions (~8,000
at 5,000/s for 10 s) gives the percentiles, and its fetches, each of which the
embedded broker answers by listing the partition's stored batches, cost the broker
a sixth of what reading every partition cost (about a fifth of a core at 5,000/s)."""
_PARTITIONER = DefaultPartitioner()
_CAUSE = b'"cause_id":"'


def _cause_id(decision: bytes) -> str:
    """The event a decision answers, found in its bytes: parsing every decision took
    the bench process ~20 us of the CPU the router shares (ids hold no quote)."""
    start = decision.find(_CAUSE) + len(_CAUSE)
    return decision[start : decision.index(b'"', start)].decode()


_LINGER = 0.005
"""How long the paced sender lets events gather, as a front end's Kafka client
does: 5 ms is librdkafka's ``linger.ms`` and Apache Kafka's since 4.0."""


async def _send_paced(
    producer: AIOKafkaProducer,
    events: list[SimulatedEvent],
    rate: int,
    sent_at: dict[str, float],
    timed: frozenset[str],
) -> float:
    """Send ``events`` at ``rate`` per second: every ``_LINGER`` what is due, as one
    producer batch per partition (as a front end's client batches). Each event's
    latency counts from when it was due, so the linger is in the figures.

    A ``send`` per event cost this process ~70 us of CPU an event (a third of a
    core at 5,000/s, taken from the router it measures on a 2-core machine), and
    put a batch per event on the broker, whose fetch cost grows with the batches
    it stores (docs/embedded-broker.md)."""
    partitions = await partitions_of(producer, INTERACTIONS)
    started = time.perf_counter()
    epoch = time.time() - started  # wall-clock time of perf_counter() == 0
    acks: list[asyncio.Future[object]] = []
    sent = 0
    while sent < len(events):
        due = min(len(events), int((time.perf_counter() - started) * rate) + 1)
        for index in range(sent, due):
            event = events[index]
            if event.event_id in timed:
                sent_at[event.event_id] = epoch + started + index / rate
        acks += await send_unacked(
            producer, INTERACTIONS, partitions, ((e.key, e.value) for e in events[sent:due])
        )
        sent = due
        await asyncio.sleep(_LINGER)
    await asyncio.gather(*acks)
    return time.perf_counter() - started


async def _offered_load(
    bootstrap: str, rate: int, seconds: float, run_id: str, customers: int
) -> LatencyFigures:
    generator = TrafficGenerator(customers, seed=9, bad_share=0.0, run_id=run_id)
    events = [generator.next(utc_now()) for _ in range(max(1, int(rate * seconds)))]
    # The harness must not pause: a full collection over what this process holds
    # (the events, and whatever earlier parts left) stalls the sender and the reader
    # alike, and every decision in flight would count the pause as router latency.
    gc.collect()
    gc.freeze()
    try:
        return await _measure(bootstrap, rate, run_id, events, wait=max(10.0, seconds))
    finally:
        gc.unfreeze()


async def _measure(
    bootstrap: str, rate: int, run_id: str, events: list[SimulatedEvent], *, wait: float
) -> LatencyFigures:
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    async with latency_probe(bootstrap, DECISIONS, partition=_PROBED) as (consumer, producer):
        partitions = await partitions_of(producer, DECISIONS)
        # A decision is keyed by its customer, as its event is: the probed partition's.
        timed = frozenset(
            e.event_id
            for e in events
            if e.routable and _PARTITIONER(e.key, partitions, partitions) == _PROBED
        )
        reader = asyncio.create_task(
            _read_latencies(consumer, f"ev-{run_id}-".encode(), sent_at, len(timed), latencies)
        )
        elapsed = await _send_paced(producer, events, rate, sent_at, timed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(reader), timeout=wait)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    ordered = sorted(latencies)
    return LatencyFigures(
        offered_per_second=rate,
        achieved_per_second=len(events) / max(elapsed, 1e-6),
        decisions=len(ordered),
        p50_ms=percentile(ordered, 0.50) * 1000,
        p95_ms=percentile(ordered, 0.95) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
    )


def offered_load(
    settings: Settings, rate: int, seconds: float, *, run_id: str, customers: int
) -> LatencyFigures:
    """Events sent at ``rate`` per second for ``seconds``, each decision timed from its
    event's timestamp (when it was sent) to its arrival at a reader on the decisions
    topic: what a front end waiting for the decision sees."""
    figures = asyncio.run(
        _offered_load(settings.kafka.bootstrap_servers, rate, seconds, run_id, customers)
    )
    if figures.decisions == 0:
        raise RuntimeError(f"router: no decision at {rate}/s offered")
    return figures
