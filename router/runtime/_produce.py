"""What every batch loop does at its edges, written once: records grouped into one
producer batch per partition (aiokafka's per-message ``send`` costs more than
routing an event does), and consumer lag from the fetch high watermark.

Both the router's ``BatchLoop`` and the assigner's loop compose these.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from omniroute.router.codec import Headers

from ._metrics import WorkerMetrics
from ._poison import backoff

__all__ = ["PRODUCE_ATTEMPTS", "BatchProducer", "Grouped", "LagRecorder", "Produced"]

Produced = tuple[str, bytes | None, bytes | None, Headers]
"""(topic, key, value, headers) of one record to produce."""

Grouped = dict[tuple[str, int], list[tuple[bytes | None, bytes | None, Headers]]]
"""Records by (topic, partition), each one producer batch."""

PRODUCE_ATTEMPTS = 6
_PLACED_LIMIT = 200_000
"""Keys whose partition is remembered (~150 bytes each); past it the memory starts over."""

log = logging.getLogger("omniroute.kafka")


class BatchProducer:
    """Sends records as one producer batch per (topic, partition). A keyed record
    goes to the partition Kafka's default partitioner gives its key, as every
    client computes it, so readers of one key's partition (the SDKs) find it."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self._partitions: dict[str, list[int]] = {}
        self._partitioner = DefaultPartitioner()
        self._tracked: set[str] = set()
        self._placed: dict[tuple[str, bytes], int] = {}
        """Each key's partition, as the partitioner gave it: its murmur2 is pure Python
        (~3.5 us a key, ~6 us an event with a decision and an assigner input), and a
        worker's keys (its customers, its pools) come back batch after batch."""

    async def track(self, topic: str) -> None:
        """Name ``topic`` in every metadata refresh of the producer.

        Once an aiokafka client tracks any topic, its refreshes ask for the tracked
        topics only and the answer replaces its whole view; a topic it learnt from
        the first, all-topics refresh is not tracked. The assigner's changelog,
        created after the producer started, became the one tracked topic, the next
        refresh dropped every other topic, and a batch already queued for one of them
        waited for a leader until it expired: ~40 s of NotLeaderForPartition with
        every pool stalled (CI; tests/integration/test_produce_metadata.py)."""
        if topic not in self._tracked:
            self._tracked.add(topic)
            await self._producer.client.add_topic(topic)

    async def partition(self, topic: str, key: bytes | None) -> int:
        partitions = self._partitions.get(topic)
        if partitions is None:
            await self.track(topic)
            # partitions_for waits for the topic's metadata; the cluster view alone
            # knows only topics the producer already sent to (and would say [0]).
            partitions = sorted(await self._producer.partitions_for(topic))
            self._partitions[topic] = partitions
        if key is None:
            return partitions[0]
        partition: int = self._partitioner(key, partitions, partitions)
        return partition

    async def group(self, records: Iterable[Produced]) -> Grouped:
        """Records placed on their key's partition."""
        grouped: Grouped = {}
        placed = self._placed
        for topic, key, value, headers in records:
            partition = placed.get((topic, key)) if key is not None else None
            if partition is None:
                partition = await self.partition(topic, key)
                if key is not None:
                    if len(placed) >= _PLACED_LIMIT:
                        placed.clear()
                    placed[topic, key] = partition
            grouped.setdefault((topic, partition), []).append((key, value, headers))
        return grouped

    async def acked(
        self,
        grouped: Grouped,
        futures: Sequence[asyncio.Future[Any]],
        *,
        stage: str,
        timestamp_ms: int | None = None,
    ) -> None:
        """Every ack of what ``send_grouped`` queued; everything again after a
        retriable broker error (a leader moving or not known yet: Tansu answers
        NotLeaderForPartition under load and right after a topic is created, which
        ended the assigner's loops; found by ``omniroute fuzz`` and CI). Records of
        the failed attempt that did land are sent twice: at least once, with the same
        ids and keys, which consumers and compaction drop."""
        for attempt in range(1, PRODUCE_ATTEMPTS + 1):
            try:
                if futures:
                    await asyncio.gather(*futures)
                return
            except KafkaError as error:
                if not error.retriable or attempt == PRODUCE_ATTEMPTS:
                    raise
                log.warning(
                    "produce failed (%s), retry %d of %d",
                    type(error).__name__,
                    attempt,
                    PRODUCE_ATTEMPTS - 1,
                    extra={"stage": stage},
                )
                await backoff(attempt)
                futures = await self.send_grouped(grouped, timestamp_ms=timestamp_ms)

    async def send_grouped(
        self, grouped: Grouped, *, timestamp_ms: int | None = None
    ) -> list[asyncio.Future[Any]]:
        """Records already placed on their partitions (e.g. a changelog partition).

        ``timestamp_ms`` stamps every record with one time (the moment a batch was
        decided); without it each record gets its append time, and records of one
        batch land in partition order, not in the order they were decided."""
        producer = self._producer
        futures: list[asyncio.Future[Any]] = []
        for (topic, partition), items in grouped.items():
            await self.track(topic)
            batch = producer.create_batch()
            for key, value, headers in items:
                fields = {
                    "key": key,
                    "value": value,
                    "timestamp": timestamp_ms,
                    "headers": list(headers),
                }
                if batch.append(**fields) is None:  # full: send it, start the next
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(**fields)
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        return futures


class LagRecorder:
    """Records behind the fetch high watermark, per partition, at most once a second.

    Never ``end_offsets()``: the embedded broker's ListOffsets LATEST answer is the
    last *batch's* base offset + 1, wrong for any multi-record batch."""

    def __init__(self, consumer: AIOKafkaConsumer, metrics: WorkerMetrics, stage: str) -> None:
        self._consumer = consumer
        self._metrics = metrics
        self._stage = stage
        self._recorded = 0.0

    async def maybe_record(self) -> None:
        now = time.monotonic()
        if now - self._recorded < 1.0:
            return
        self._recorded = now
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is None:
                continue
            with contextlib.suppress(KafkaError, AssertionError):
                position = await self._consumer.position(tp)
                self._metrics.lag.labels(self._stage, tp.topic, str(tp.partition)).set(
                    max(0, high - position)
                )
