"""What every part of ``omniroute bench`` shares: a backlog of simulated events, a
fast way to put it on the broker, and a reader that counts one run's outputs.

Runs are told apart by a marker in the event ids (the traffic generator's run id),
so every part can share one broker, one Redis and the contract topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from omniroute.router.tools.harness import TrafficGenerator
from omniroute.schemas import utc_now

__all__ = [
    "Backlog",
    "Drained",
    "count_outputs",
    "latency_probe",
    "make_backlog",
    "partitions_of",
    "produce_all",
    "python_cpu_ms",
    "send_partitioned",
    "send_unacked",
]

_PARTITIONER = DefaultPartitioner()


@dataclass(frozen=True, slots=True)
class Backlog:
    records: list[tuple[bytes, bytes]]
    routable: int
    marker: bytes
    """Bytes found in every event id of this run, and so in every decision on it."""


@dataclass(frozen=True, slots=True)
class Drained:
    count: int
    first_ms: int
    last_ms: int

    @property
    def per_second(self) -> float:
        return self.count / max(self.last_ms - self.first_ms, 1) * 1000


def make_backlog(run_id: str, events: int, customers: int, seed: int = 5) -> Backlog:
    generator = TrafficGenerator(customers, seed=seed, bad_share=0.0, run_id=run_id)
    now = utc_now()
    records: list[tuple[bytes, bytes]] = []
    routable = 0
    for _ in range(events):
        event = generator.next(now)
        records.append((event.key, event.value))
        routable += event.routable
    return Backlog(records, routable, f"ev-{run_id}-".encode())


async def partitions_of(producer: AIOKafkaProducer, topic: str) -> list[int]:
    await producer.client.force_metadata_update()
    return sorted(producer.client.cluster.partitions_for_topic(topic) or [0])


async def send_partitioned(
    producer: AIOKafkaProducer,
    topic: str,
    partitions: list[int],
    records: Iterable[tuple[bytes | None, bytes | None]],
) -> None:
    """Send ``records`` as a batch loop does: each key on the partition Kafka's default
    partitioner gives it, one producer batch per partition at a time; returns once
    every batch is acknowledged."""
    await asyncio.gather(*await send_unacked(producer, topic, partitions, records))


async def send_unacked(
    producer: AIOKafkaProducer,
    topic: str,
    partitions: list[int],
    records: Iterable[tuple[bytes | None, bytes | None]],
) -> list[asyncio.Future[Any]]:
    """As ``send_partitioned``, returning the acks' futures instead of waiting."""
    by_partition: dict[int, list[tuple[bytes | None, bytes | None]]] = {}
    for key, value in records:
        partition = _PARTITIONER(key, partitions, partitions) if key else 0
        by_partition.setdefault(partition, []).append((key, value))
    futures: list[asyncio.Future[Any]] = []
    for partition, items in by_partition.items():
        batch = producer.create_batch()
        for key, value in items:
            if batch.append(key=key, value=value, timestamp=None) is None:
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    return futures


async def produce_all(
    bootstrap: str, topic: str, records: Sequence[tuple[bytes | None, bytes]]
) -> float:
    """Put ``records`` on ``topic`` keyed as a front end would, one producer batch
    per partition at a time (~1M records/s): seconds taken, acks included."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, max_batch_size=1024 * 1024)
    await producer.start()
    started = time.perf_counter()
    try:
        await send_partitioned(producer, topic, await partitions_of(producer, topic), records)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def count_outputs(
    bootstrap: str,
    topic: str,
    marker: bytes,
    expected: int,
    *,
    wait: float,
    on_progress: Callable[[int], None] | None = None,
    poll_every: float = 0.25,
) -> Drained:
    """Count the records on ``topic`` that carry ``marker`` until ``expected`` arrived,
    with the first and last producer timestamps: the producer's own rate, which
    neither this reader nor the load generator can limit. It polls, and sleeps in
    between, so it takes little of the CPU the measured workers need."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    count, first, last = 0, 2**63, 0
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + wait
        while count < expected and time.monotonic() < deadline:
            fetched = await consumer.getmany(timeout_ms=200, max_records=100_000)
            new = 0
            for messages in fetched.values():
                for message in messages:
                    if message.value is not None and marker in message.value:
                        new += 1
                        first = min(first, message.timestamp)
                        last = max(last, message.timestamp)
            count += new
            if on_progress is not None and new:
                on_progress(new)
            if not fetched:
                await asyncio.sleep(poll_every)
    finally:
        await consumer.stop()
    return Drained(count, first if count else 0, last)


@contextlib.asynccontextmanager
async def latency_probe(
    bootstrap: str, topic: str, *, partition: int | None = None
) -> AsyncIterator[tuple[AIOKafkaConsumer, AIOKafkaProducer]]:
    """A producer for the probes and a consumer of ``topic`` (or of one of its
    partitions) positioned at its end before anything is sent, so every answer it
    reads is one of this run's."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="latest",
        fetch_max_wait_ms=5,  # the embedded broker answers a fetch only when its wait ends
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=0)
    await consumer.start()
    await producer.start()
    try:
        if partition is None:
            consumer.subscribe([topic])
            await consumer.getmany(timeout_ms=500)
        else:
            probed = TopicPartition(topic, partition)
            consumer.assign([probed])
            await consumer.seek_to_end(probed)
            await consumer.position(probed)  # the end, resolved now, before any send
        yield consumer, producer
    finally:
        await producer.stop()
        await consumer.stop()


def python_cpu_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload in this process: a yardstick
    for the figures of a run on a machine shared with other work, where CPU time
    per operation grows too (caches, SMT siblings), not only the wall clock."""
    started = time.process_time()
    for _ in range(200):
        sum(range(10_000))
    return (time.process_time() - started) * 1000
