"""The ceiling: raw aiokafka consume -> produce of the same events, no validation,
no lookup, no policy. Nothing built on this client and broker can go faster.

A true ceiling, not a straw man: the consumer and the producer are configured as
the router's are (``consumer_config``, ``producer_config``: the same fetch sizes,
fetch wait and 512 KiB producer batches), fetches take as many records as the
router's batch, and fetch and produce are pipelined as in the router's loop: the
next batch is fetched and sent while the previous one's acks are in flight, and
each batch commits after its acks, in order.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition

from omniroute.router.runtime import Settings, consumer_config, producer_config

from ._backlog import partitions_of, send_unacked

__all__ = ["CeilingFigures", "run_ceiling"]


@dataclass(frozen=True, slots=True)
class CeilingFigures:
    events_per_second: float
    settings: str
    """What the copy ran with, printed beside its figure."""


async def _ack_and_commit(
    previous: asyncio.Future[None] | None,
    futures: list[asyncio.Future[Any]],
    consumer: AIOKafkaConsumer,
    offsets: dict[TopicPartition, int],
) -> None:
    await asyncio.gather(*futures)
    if previous is not None:
        await previous  # commits stay in order
    await consumer.commit(offsets)


async def run_ceiling(
    settings: Settings, source: str, sink: str, *, expected: int, batch: int, wait: float
) -> CeilingFigures:
    """Copy ``expected`` records from ``source`` to ``sink``: events/s, first fetch to
    last commit."""
    config: dict[str, Any] = consumer_config(settings, "bench-ceiling")
    consumer = AIOKafkaConsumer(source, **config)
    producer_options = producer_config(settings)
    producer = AIOKafkaProducer(**producer_options)
    await producer.start()
    await consumer.start()
    described = (
        f"getmany max_records={batch}, fetch_max_wait_ms={config['fetch_max_wait_ms']}, "
        f"max_partition_fetch_bytes={config['max_partition_fetch_bytes']}; producer "
        f"max_batch_size={producer_options['max_batch_size']}, "
        f"linger_ms={producer_options['linger_ms']}, acks={producer_options['acks']}, "
        f"compression_type={producer_options['compression_type']}; "
        "pipelined (next fetch while acks are in flight), commit per batch"
    )
    try:
        partitions = await partitions_of(producer, sink)
        copied = 0
        started: float | None = None
        in_flight: asyncio.Future[None] | None = None
        deadline = time.monotonic() + wait
        while copied < expected and time.monotonic() < deadline:
            fetched = await consumer.getmany(timeout_ms=100, max_records=batch)
            if not fetched:
                continue
            if started is None:
                started = time.perf_counter()
            offsets = {tp: messages[-1].offset + 1 for tp, messages in fetched.items()}
            records = [(m.key, m.value) for messages in fetched.values() for m in messages]
            copied += len(records)
            futures = await send_unacked(producer, sink, partitions, records)
            in_flight = asyncio.ensure_future(
                _ack_and_commit(in_flight, futures, consumer, offsets)
            )
        if in_flight is not None:
            await in_flight
        elapsed = time.perf_counter() - (started or time.perf_counter())
        return CeilingFigures(copied / max(elapsed, 1e-6), described)
    finally:
        await consumer.stop()
        await producer.stop()
