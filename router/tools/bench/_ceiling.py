"""The ceiling: raw aiokafka consume -> produce of the same events, no validation,
no lookup, no policy. Nothing built on this client and broker can go faster."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ._backlog import partitions_of, send_partitioned

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
        partitions = await partitions_of(producer, sink)
        copied = 0
        started: float | None = None
        deadline = time.monotonic() + wait
        while copied < expected and time.monotonic() < deadline:
            fetched = await consumer.getmany(timeout_ms=100, max_records=5000)
            if not fetched:
                continue
            if started is None:
                started = time.perf_counter()
            records = [(m.key, m.value) for messages in fetched.values() for m in messages]
            copied += len(records)
            await send_partitioned(producer, sink, partitions, records)
            await consumer.commit()
        elapsed = time.perf_counter() - (started or time.perf_counter())
        return copied / max(elapsed, 1e-6)
    finally:
        await consumer.stop()
        await producer.stop()
