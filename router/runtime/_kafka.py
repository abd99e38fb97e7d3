"""aiokafka edges: client settings, the batch consume-process-produce-commit loop,
and a reader that keeps the latest record per key of a compacted topic.

The loop is batch-shaped end to end (getmany, one stage call, one flush, one
commit) because Faust's per-event stream machinery caps at a few thousand
events a second with a send per event; Faust still hosts the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.partitioner import DefaultPartitioner
from pydantic import BaseModel, TypeAdapter, ValidationError

from omniroute.router.core import InboundRecord

from ._metrics import WorkerMetrics
from ._settings import Settings

__all__ = [
    "BatchLoop",
    "CompactedReader",
    "Outbound",
    "consumer_config",
    "producer_config",
]

log = logging.getLogger("omniroute.kafka")
ModelT = TypeVar("ModelT", bound=BaseModel)

Outbound = tuple[str, bytes | None, bytes]
"""(topic, key, value) to produce."""


def _security(settings: Settings) -> dict[str, Any]:
    kafka = settings.kafka
    config: dict[str, Any] = {"security_protocol": kafka.security_protocol}
    if kafka.sasl_mechanism:
        config |= {
            "sasl_mechanism": kafka.sasl_mechanism,
            "sasl_plain_username": kafka.sasl_username,
            "sasl_plain_password": (
                kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
            ),
        }
    return config


def consumer_config(settings: Settings, group_id: str | None) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka.bootstrap_servers,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.session_timeout_ms,
        "heartbeat_interval_ms": settings.heartbeat_interval_ms,
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_wait_ms": 50,
        **_security(settings),
    }


def producer_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka.bootstrap_servers,
        "acks": "all",
        "linger_ms": 2,
        "max_batch_size": 512 * 1024,
        **_security(settings),
    }


BatchHandler = Callable[[Sequence[InboundRecord]], Awaitable[Sequence[Outbound]]]


class BatchLoop:
    """Consume, hand a batch to ``handler``, produce its output (one producer batch
    per partition), and commit once the acks are in: at least once, and nothing is
    committed that was not produced. The next batch is fetched and handled while
    the previous batch's acks are in flight."""

    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        handler: BatchHandler,
        stage: str,
        metrics: WorkerMetrics,
        max_records: int,
        wait_ms: int,
        on_produced: Callable[[Sequence[InboundRecord], float], None] | None = None,
    ) -> None:
        self._consumer = consumer
        self._producer = producer
        self._handler = handler
        self._stage = stage
        self._metrics = metrics
        self._max_records = max_records
        self._wait_ms = wait_ms
        self._on_produced = on_produced
        self.batches = 0
        self._partitions: dict[str, list[int]] = {}
        self._partitioner = DefaultPartitioner()
        self._lag_recorded = 0.0
        self._in_flight: asyncio.Future[None] | None = None
        self.last_poll = time.monotonic()

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self.last_poll = time.monotonic()
            fetched = await self._consumer.getmany(
                timeout_ms=self._wait_ms or 1, max_records=self._max_records
            )
            if fetched:
                records = [
                    InboundRecord(m.topic, m.partition, m.offset, m.key, m.value, m.timestamp)
                    for messages in fetched.values()
                    for m in messages
                ]
                await self._process(records)
            elif self._in_flight is not None and self._in_flight.done():
                await self._settle()  # idle: a failed produce still stops the loop now
            await self._record_lag()
        await self._settle()

    async def _process(self, records: Sequence[InboundRecord]) -> None:
        """Hand the batch to the stage and put its output on the wire, then return
        while the acks are in flight: the next batch is fetched and routed meanwhile.
        Each batch commits its own offsets only after its acks, and only after the
        batch before it committed, so commits stay in order and at least once holds."""
        outbound = await self._handler(records)
        futures = await self._send_batches(outbound)
        await self._settle()  # the previous batch: acked and committed, or raises
        self._in_flight = asyncio.ensure_future(self._complete(records, futures))

    async def _settle(self) -> None:
        """Wait for the batch in flight; a failed produce raises here, before any later
        batch can commit past it."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            await in_flight

    async def _complete(
        self, records: Sequence[InboundRecord], futures: Sequence[asyncio.Future[Any]]
    ) -> None:
        if futures:
            await asyncio.gather(*futures)
        if self._on_produced is not None:
            self._on_produced(records, time.time())
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, -1), record.offset + 1)
        try:
            # Explicit offsets: the consumer's position is already past the next batch.
            await self._consumer.commit(offsets)
        except CommitFailedError as error:
            # A rebalance took the partitions; the next owner re-reads from the
            # last commit, and decision ids make the duplicates recognisable.
            log.warning("commit failed after rebalance: %s", error)
        self.batches += 1

    async def _send_batches(self, outbound: Sequence[Outbound]) -> list[asyncio.Future[Any]]:
        """One producer batch per partition, not one send per record: aiokafka's
        per-message send path costs more than routing the event did."""
        producer = self._producer
        by_partition: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
        for topic, key, value in outbound:
            partitions = self._partitions.get(topic)
            if partitions is None:
                await producer.client.force_metadata_update()
                partitions = sorted(producer.client.cluster.partitions_for_topic(topic) or [0])
                self._partitions[topic] = partitions
            partition = self._partitioner(key, partitions, partitions) if key else 0
            by_partition.setdefault((topic, partition), []).append((key, value))
        futures: list[asyncio.Future[Any]] = []
        for (topic, partition), items in by_partition.items():
            batch = producer.create_batch()
            for key, value in items:
                if batch.append(key=key, value=value, timestamp=None) is None:
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=None)
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        return futures

    async def _record_lag(self) -> None:
        # The fetch high watermark, not end_offsets(): the embedded broker's
        # ListOffsets LATEST answer is wrong for multi-record batches.
        now = time.monotonic()
        if now - self._lag_recorded < 1.0:
            return
        self._lag_recorded = now
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is None:
                continue
            with contextlib.suppress(KafkaError, AssertionError):
                position = await self._consumer.position(tp)
                self._metrics.lag.labels(self._stage, tp.topic, str(tp.partition)).set(
                    max(0, high - position)
                )


class CompactedReader(Generic[ModelT]):
    """The latest message per key of a compacted topic, kept current: a global table
    without group membership, so every router sees every pool."""

    def __init__(
        self, consumer: AIOKafkaConsumer, topic: str, adapter: TypeAdapter[ModelT]
    ) -> None:
        self._consumer = consumer
        self._topic = topic
        self._adapter = adapter
        self.latest: dict[str, ModelT] = {}

    async def run(self, stopping: asyncio.Event) -> None:
        await self._consumer.topics()  # loads metadata
        partitions = self._consumer.partitions_for_topic(self._topic) or set()
        self._consumer.assign([TopicPartition(self._topic, p) for p in sorted(partitions)])
        await self._consumer.seek_to_beginning()
        while not stopping.is_set():
            fetched = await self._consumer.getmany(timeout_ms=500, max_records=5000)
            for messages in fetched.values():
                for message in messages:
                    if message.key is None:
                        continue
                    key = message.key.decode("utf-8", "replace")
                    if message.value is None:
                        self.latest.pop(key, None)
                        continue
                    try:
                        self.latest[key] = self._adapter.validate_json(message.value)
                    except ValidationError:
                        log.warning(
                            "unreadable %s record at offset %d", self._topic, message.offset
                        )
