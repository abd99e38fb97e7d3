"""The ceiling: raw aiokafka consume -> produce of the same events, no validation,
no lookup, no policy. Nothing built on this client and broker can go faster."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

__all__ = ["run_ceiling"]


async def run_ceiling(
    bootstrap: str, source: str, sink: str, *, expected: int, wait: float
) -> float:
    """Copy ``expected`` records from ``source`` to ``sink`` as a batch loop would
    (getmany, one producer batch per partition, acks, commit): events/s."""
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id="bench-ceiling",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    await consumer.start()
    try:
        await producer.client.force_metadata_update()
        partitions = sorted(producer.client.cluster.partitions_for_topic(sink) or [0])
        partitioner = DefaultPartitioner()
        copied = 0
        started: float | None = None
        deadline = time.monotonic() + wait
        while copied < expected and time.monotonic() < deadline:
            fetched = await consumer.getmany(timeout_ms=100, max_records=5000)
            if not fetched:
                continue
            if started is None:
                started = time.perf_counter()
            by_partition: dict[int, list[tuple[bytes | None, bytes | None]]] = {}
            for messages in fetched.values():
                for m in messages:
                    part = partitioner(m.key, partitions, partitions) if m.key else 0
                    by_partition.setdefault(part, []).append((m.key, m.value))
                    copied += 1
            futures = []
            for partition, items in by_partition.items():
                batch = producer.create_batch()
                for key, value in items:
                    if batch.append(key=key, value=value, timestamp=None) is None:
                        futures.append(await producer.send_batch(batch, sink, partition=partition))
                        batch = producer.create_batch()
                        batch.append(key=key, value=value, timestamp=None)
                futures.append(await producer.send_batch(batch, sink, partition=partition))
            await asyncio.gather(*futures)
            await consumer.commit()
        elapsed = time.perf_counter() - (started or time.perf_counter())
        return copied / max(elapsed, 1e-6)
    finally:
        await consumer.stop()
        await producer.stop()
