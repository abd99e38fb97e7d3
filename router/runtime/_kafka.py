"""aiokafka edges: client settings, the batch consume-process-produce-commit loop,
and a reader that keeps the latest record per key of a compacted topic.

The loop is batch-shaped end to end (getmany, one stage call, one flush, one
commit) because Faust's per-event stream machinery caps at a few thousand
events a second with a send per event; Faust still hosts the worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, ConsumerStoppedError, IllegalStateError
from pydantic import BaseModel, TypeAdapter, ValidationError

from omniroute.router.codec import Headers, InboundRecord

from ._blocked import HeldPartitions
from ._clients import aiokafka_security
from ._flood import DeadLetterBudget
from ._gc import CollectorFreezer
from ._metrics import WorkerMetrics
from ._pacing import BatchPacer
from ._poison import DeadLetterProducer, UndecodableBatches, backoff
from ._produce import BatchProducer, Grouped, LagRecorder, Produced
from ._settings import Settings

__all__ = [
    "BatchLoop",
    "CompactedReader",
    "Outbound",
    "commit_assigned",
    "consumer_config",
    "producer_config",
]

log = logging.getLogger("omniroute.kafka")
ModelT = TypeVar("ModelT", bound=BaseModel)

Outbound = tuple[str, bytes | None, bytes] | tuple[str, bytes | None, bytes, Headers]
"""(topic, key, value) to produce, optionally with headers."""
MAX_FETCH_BYTES = 4 * 1024 * 1024
MAX_REQUEST_BYTES = 1024 * 1024
"""What a producer may send in one request: Apache Kafka's default message limit."""
_UNEXPLAINED_FETCH_ERRORS = 3


def consumer_config(settings: Settings, group_id: str | None) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka.bootstrap_servers,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.session_timeout_ms,
        "heartbeat_interval_ms": settings.heartbeat_interval_ms,
        "max_partition_fetch_bytes": MAX_FETCH_BYTES,
        "fetch_max_wait_ms": settings.fetch_max_wait_ms,
        **aiokafka_security(settings.kafka),
    }


def producer_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.kafka.bootstrap_servers,
        "acks": "all",
        "enable_idempotence": settings.kafka.idempotent_producer,
        "linger_ms": 2,
        "max_batch_size": 512 * 1024,
        "max_request_size": MAX_REQUEST_BYTES,
        "compression_type": settings.kafka.producer_compression,
        **aiokafka_security(settings.kafka),
    }


BatchHandler = Callable[[Sequence[InboundRecord]], Awaitable[Sequence[Outbound]]]


async def commit_assigned(
    consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int], *, stage: str
) -> None:
    """Commit ``offsets`` of the partitions this consumer still holds; the rest moved in
    a rebalance while their batch's acks were in flight, and their next owner re-reads
    from the last commit (at least once; the ids make the repeats recognisable).

    aiokafka refuses a commit naming a partition no longer assigned with
    IllegalStateError, which stopped the loop and the worker: the ``pause`` chaos
    scenario's *other* assigner exited this way when the paused one came back and
    the re-key group rebalanced under a batch in flight (one of five CI runs)."""
    if not offsets:
        return
    assigned = consumer.assignment()
    held = {tp: offset for tp, offset in offsets.items() if tp in assigned}
    if len(held) < len(offsets):
        log.info(
            "not committing %d partition(s) a rebalance moved",
            len(offsets) - len(held),
            extra={"stage": stage},
        )
    if not held:
        return
    try:
        await consumer.commit(held)
    except (CommitFailedError, IllegalStateError) as error:
        # A rebalance began or ended between the check and the commit: as above.
        log.warning("commit failed after rebalance: %s", error, extra={"stage": stage})


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
        dead_letter_topic: str,
        on_produced: Callable[[Sequence[InboundRecord], float], None] | None = None,
        dead_letter_budget: DeadLetterBudget | None = None,
        min_interval_ms: int = 0,
    ) -> None:
        self._consumer = consumer
        self._producer = producer
        self._handler = handler
        self._stage = stage
        self._metrics = metrics
        self._max_records = max_records
        self._wait_ms = wait_ms
        self._pacer = BatchPacer(min_interval_ms / 1000)
        self._on_produced = on_produced
        self.batches = 0
        self._batches = BatchProducer(producer)
        self._lag = LagRecorder(consumer, metrics, stage)
        self._in_flight: asyncio.Future[None] | None = None
        self._freezer = CollectorFreezer()
        self.last_poll = time.monotonic()
        self._dead_letters = DeadLetterProducer(producer, dead_letter_topic, stage=stage)
        self._budget = dead_letter_budget or DeadLetterBudget(
            per_key_per_minute=30, per_second=100, stage=stage
        )  # the stages pass the one their settings describe
        self._held = HeldPartitions(consumer, self._dead_letters, stage=stage, metrics=metrics)
        self._undecodable = UndecodableBatches(
            consumer, stage=stage, max_fetch_bytes=MAX_FETCH_BYTES
        )
        self._unexplained = 0

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            await self._run(stopping)
        finally:
            self._held.close()

    async def _run(self, stopping: asyncio.Event) -> None:
        await self._batches.track(self._dead_letters.topic)  # it shares the producer
        while not stopping.is_set():
            self.last_poll = time.monotonic()
            self._held.export_clear()
            if self._held:
                await self._held.release(self._commit)
            await self._pace()
            try:
                fetched = await self._consumer.getmany(
                    timeout_ms=self._wait_ms or 1, max_records=self._max_records
                )
            except ConsumerStoppedError:
                raise
            except Exception as error:  # an undecodable batch, or fatal
                await self._recover(error)
                continue
            if fetched:
                records = [
                    InboundRecord(
                        m.topic, m.partition, m.offset, m.key, m.value, m.timestamp, m.headers
                    )
                    for messages in fetched.values()
                    for m in messages
                ]
                self._pacer.took(time.monotonic(), full=len(records) >= self._max_records)
                await self._process(records)
                self._unexplained = 0
                self._freezer.after_batch()
            elif self._in_flight is not None and self._in_flight.done():
                await self._settle()  # idle: a failed produce still stops the loop now
            await self._lag.maybe_record()
        await self._settle()

    async def _pace(self) -> None:
        """Fewer, fuller batches while records trickle in (``BatchPacer``)."""
        pause = self._pacer.pause(time.monotonic())
        if pause > 0:
            await asyncio.sleep(pause)

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        await commit_assigned(self._consumer, offsets, stage=self._stage)

    async def _recover(self, error: Exception) -> None:
        """A fetch that raised: dead-letter the batch that cannot be decoded and go on
        past it; re-raise (the worker exits) only what repeats unexplained."""
        started = time.monotonic()
        # Everything fetched before is committed first: isolating goes back to the
        # committed offsets, and must not re-read a batch whose acks are in flight.
        await self._settle()
        salvaged = await self._undecodable.isolate(error)
        for salvage in salvaged:
            letter = salvage.dead_letter
            self._metrics.dead_letters.labels(self._stage, letter.reason.value).inc()
            await self._process(
                salvage.records,
                extra=[(self._dead_letters.topic, None, letter.model_dump_json().encode())],
                resume={salvage.partition: salvage.resume_at},
            )
        await self._settle()
        if salvaged:
            self._unexplained = 0
            log.info(
                "went past %d undecodable batch(es) in %.0f ms",
                len(salvaged),
                (time.monotonic() - started) * 1000,
                extra={"stage": self._stage},
            )
            return
        self._unexplained += 1
        log.warning(
            "fetch failed (%s: %s), no undecodable batch found; retry %d of %d",
            type(error).__name__,
            error,
            self._unexplained,
            _UNEXPLAINED_FETCH_ERRORS,
            extra={"stage": self._stage},
        )
        if self._unexplained >= _UNEXPLAINED_FETCH_ERRORS:
            raise error
        await backoff(self._unexplained)

    async def _process(
        self,
        records: Sequence[InboundRecord],
        *,
        extra: Sequence[Outbound] = (),
        resume: dict[TopicPartition, int] | None = None,
    ) -> None:
        """Hand the batch to the stage and put its output on the wire, then return
        while the acks are in flight: the next batch is fetched and routed meanwhile.
        Each batch commits its own offsets only after its acks, and only after the
        batch before it committed, so commits stay in order and at least once holds.
        ``resume``: where a partition goes on after an undecodable batch."""
        outbound = [*(await self._handler(records) if records else ()), *extra]
        letters = self._budget.admit(
            [
                (key, value)
                for topic, key, value, *_ in outbound
                if topic == self._dead_letters.topic
            ],
            time.monotonic(),
        )
        rest = [item for item in outbound if item[0] != self._dead_letters.topic]
        produced: list[Produced] = [
            (topic, key, value, headers[0] if headers else ())
            for topic, key, value, *headers in rest
        ]
        grouped = await self._batches.group(produced)
        futures = await self._batches.send_grouped(grouped)
        if resume:
            for tp, offset in resume.items():
                self._consumer.seek(tp, offset)
        await self._settle()  # the previous batch: acked and committed, or raises
        self._in_flight = asyncio.ensure_future(
            self._complete(records, grouped, futures, letters, resume)
        )

    async def _settle(self) -> None:
        """Wait for the batch in flight; a failed produce raises here, before any later
        batch can commit past it."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            await in_flight

    async def _complete(
        self,
        records: Sequence[InboundRecord],
        grouped: Grouped,
        futures: Sequence[asyncio.Future[Any]],
        letters: Sequence[tuple[bytes | None, bytes]],
        resume: dict[TopicPartition, int] | None,
    ) -> None:
        """Acks first (a produce that fails raises: the loop stops, nothing is committed
        past it), then the dead letters, then the commit. A partition whose dead letter
        the broker refuses is held at that record (``HeldPartitions``): committed up to
        it, not past it, until the letter is written."""
        await self._batches.acked(grouped, futures, stage=self._stage)
        waiting = await self._held.send(letters) if letters else {}
        if records and self._on_produced is not None:
            self._on_produced(records, time.time())
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, -1), record.offset + 1)
        offsets.update(resume or {})
        # Explicit offsets: the consumer's position is already past the next batch.
        await commit_assigned(
            self._consumer, self._held.withhold(offsets, waiting), stage=self._stage
        )
        self.batches += 1


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
        self.caught_up = asyncio.Event()
        """Set once every partition has been read to its fetch high watermark."""

    async def run(self, stopping: asyncio.Event) -> None:
        await self._consumer.topics()  # loads metadata
        partitions = self._consumer.partitions_for_topic(self._topic) or set()
        assigned = [TopicPartition(self._topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
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
            if not self.caught_up.is_set() and await self._at_end(assigned):
                self.caught_up.set()

    async def _at_end(self, partitions: list[TopicPartition]) -> bool:
        for tp in partitions:
            high = self._consumer.highwater(tp)
            if high is None or await self._consumer.position(tp) < high:
                return False
        return True
