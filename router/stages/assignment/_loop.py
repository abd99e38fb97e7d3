"""The assigner's batch loop: a consumer group on ``omniroute.assigner-input`` (key =
pool), the pools of the owned partitions in memory, their state in a changelog.

Per fetched batch: apply every input (``AssignerEngine``), run the pools' due
timers, produce the changelog writes and wait for their acks, then the outputs
and theirs (``persist_then_publish``), then the dead letters, then commit the
inputs' offsets. The outputs' acks, the dead letters and the commit complete in
the background while the next batch is fetched, applied and its changelog written
(the state running ahead of the outputs is the harmless direction, see
``persist_then_publish``); that batch's outputs go out only once they are done, so
commits stay in order (a partition whose dead letter the broker refuses is held at that
input, not committed past it: ``HeldPartitions``). At least
once: a crash before the commit replays inputs on top of the state their
changelog writes already hold, which the pool methods tolerate (a redelivered
decision is ignored, a replayed accept gets the same assignment again, a late
one a revocation).

Ownership. A partition's pools are rebuilt from its changelog (to the fetch high
watermark) when it is assigned, before any of its inputs is applied, and dropped
when it is revoked. The revoke callback waits for the batch in flight, so a
cooperative rebalance never races a batch. A worker that was stopped (paused, a
long GC, a stalled host) past the session timeout may already have been replaced
while it still holds its pools: before producing, a batch that touches a partition
no longer assigned, or during which the event loop stood still for more than half
a session timeout (so no heartbeat could go out) *and* the group coordinator then
does not confirm the membership (``OwnershipGuard``), is thrown away and its
partitions re-synchronised (changelog re-read, inputs re-consumed from the last
commit). Stillness, not wall time: a batch that is merely slow (a busy host, a
long replay after a takeover) keeps heartbeating and keeps its partitions; timing
it out by the clock threw it away again on every retry (a livelock found by
``omniroute chaos pause``). And the coordinator's word, not stillness alone: on a
starved host the re-read of a dropped batch's pools is itself a stall, which
dropped the next batch again (the demo at 1,000/s on two cores). Residual risk: a pause that starts
after that check and outlasts the session timeout lets one batch of a replaced
worker land after the new owner's takeover read; fencing it needs the
transactional producer, which production Kafka has and the embedded broker does
not (``InitProducerId`` fails there).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

from omniroute.router.codec import InboundRecord
from omniroute.router.runtime import (
    AssignerSettings,
    BatchProducer,
    CollectorFreezer,
    DeadLetterProducer,
    Grouped,
    HeldPartitions,
    LagRecorder,
    WorkerMetrics,
    commit_assigned,
    dead_letter_records,
)
from omniroute.schemas import topic

from ._changelog import ChangelogReader, encode_key, encode_value
from ._engine import AssignerEngine, BatchResult
from ._ownership import GroupMembership, OwnershipGuard

__all__ = ["AssignerLoop", "persist_then_publish"]

log = logging.getLogger("omniroute.assigner")
INPUT = topic("omniroute.assigner-input").name


class AssignerLoop(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        changelog: ChangelogReader,
        changelog_topic: str,
        engine: AssignerEngine,
        settings: AssignerSettings,
        metrics: WorkerMetrics,
        session_timeout: float,
        dead_letter_topic: str,
        max_records: int = 2000,
    ) -> None:
        self._consumer = consumer
        self._changelog = changelog
        self._changelog_topic = changelog_topic
        self.engine = engine
        self._settings = settings
        self._metrics = metrics
        self._max_records = max_records
        self._dead_letter_topic = dead_letter_topic
        self._lock = asyncio.Lock()
        self._pending: set[int] = set()  # assigned, not yet rebuilt from the changelog
        self.owned: set[int] = set()
        self._batches = BatchProducer(producer)
        self._held = HeldPartitions(
            consumer,
            DeadLetterProducer(producer, dead_letter_topic, stage="assigner"),
            stage="assigner",
            metrics=metrics,
        )
        self._freezer = CollectorFreezer()
        self._lag = LagRecorder(consumer, metrics, "assigner")
        self._next_load = 0.0
        self.last_poll = time.monotonic()
        self.membership = GroupMembership(consumer, timeout=session_timeout / 2)
        self.guard = OwnershipGuard(
            stale_after=session_timeout / 2,
            generation=self.membership.generation,
            confirmed=self.membership.confirmed,
        )
        self.batches = 0
        self.resyncs = 0
        self._in_flight: asyncio.Future[None] | None = None
        """The last batch's outputs: acks, dead letters and commit, not yet done."""

    # -- rebalance listener (called by the consumer's coordinator task) --------

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self._lock:  # never while a batch is being applied or produced
            await self._settle()
            for tp in revoked:
                if tp.topic == INPUT:
                    self.engine.drop(tp.partition)
                    self.owned.discard(tp.partition)
                    self._pending.discard(tp.partition)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        # Rebuilt by the loop, not here: heartbeats only run after this returns.
        self._pending |= {tp.partition for tp in assigned if tp.topic == INPUT}

    @property
    def caught_up(self) -> bool:
        return bool(self.owned) and not self._pending

    # -- the loop ----------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        consumer = self._consumer
        await self._batches.track(self._dead_letter_topic)  # dead letters share the producer
        watch = asyncio.create_task(self.guard.watch(stopping))
        try:
            while not stopping.is_set():
                self.last_poll = time.monotonic()
                self._held.export_clear()
                if self._held:
                    async with self._lock:
                        await self._settle()
                        await self._held.release(self._commit)
                if self._pending:
                    async with self._lock:
                        self.guard.batch_fetched()
                        await self._step({})
                wait_ms = self._wait_ms()
                self.guard.batch_fetched()  # from here to the produce: see _still_owner
                fetched = await consumer.getmany(timeout_ms=wait_ms, max_records=self._max_records)
                async with self._lock:
                    await self._step(fetched)
                    if self._in_flight is not None and self._in_flight.done():
                        await self._settle()  # a failed produce stops the loop now
                await self._lag.maybe_record()
            await self._settle()
        finally:
            watch.cancel()
            self._held.close()

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        await commit_assigned(self._consumer, offsets, stage="assigner")

    def _wait_ms(self) -> int:
        now = time.time()
        wake = self._next_load
        due = self.engine.next_timer()
        if due is not None:
            wake = min(wake, due)
        return max(1, min(500, int((wake - now) * 1000) + 1))

    async def _step(self, fetched: dict[TopicPartition, list[Any]]) -> None:
        now = time.time()
        out = BatchResult()
        if self._pending:
            await self._adopt_pending(now, out)
            now = time.time()
        records = [
            InboundRecord(m.topic, m.partition, m.offset, m.key, m.value, m.timestamp)
            for tp, messages in fetched.items()
            if tp.partition in self.owned
            for m in messages
        ]
        offsets = {
            tp: messages[-1].offset + 1
            for tp, messages in fetched.items()
            if tp.partition in self.owned and messages
        }
        if records:
            await self.engine.apply_batch(records, now, out)
        publish_load = now >= self._next_load
        if publish_load:
            self._next_load = now + self._settings.tick_seconds
        await self.engine.ticks(now, out, publish_load=publish_load)
        if not (out.outbound or out.writes or out.dead_letters or offsets):
            return
        touched = {p for p, _ in out.writes.values()} | {tp.partition for tp in offsets}
        if not await self._still_owner(touched):
            await self._resync(touched)
            return
        world = await self._persist(out, now)
        await self._settle()  # the batch before: outputs acked, committed (or raises)
        stamp = int(now * 1000)
        futures = await self._batches.send_grouped(world, timestamp_ms=stamp) if world else []
        self._in_flight = asyncio.ensure_future(self._complete(world, futures, out, offsets, stamp))
        # Frozen every batch, not once per full collection: what a batch leaves alive
        # is the pools' state, and draining a backlog a full collection came every ~3
        # batches to walk it again (in process, 70k inputs: 12 of them, 0.2-0.5 s; 52
        # -> 47 us CPU an input without). A cycle frozen here would leak as it would
        # there (tests/unit/stages/test_no_cycles.py: the stage makes none).
        self._freezer.freeze_now()

    async def _settle(self) -> None:
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            await in_flight

    async def _complete(
        self,
        world: Grouped,
        futures: list[asyncio.Future[Any]],
        out: BatchResult,
        offsets: dict[TopicPartition, int],
        stamp: int,
    ) -> None:
        """The outputs' acks, then the dead letters, then the commit."""
        if world:
            await self._batches.acked(world, futures, stage="assigner", timestamp_ms=stamp)
        letters = [
            (key, value)
            for _, key, value in dead_letter_records(out.dead_letters, self._dead_letter_topic)
        ]
        waiting = await self._held.send(letters) if letters else {}
        # A partition a rebalance took is not committed: the next owner re-reads from
        # the last commit on top of the changelog just written. One whose dead letter
        # the broker refused is held there (see HeldPartitions).
        await commit_assigned(
            self._consumer, self._held.withhold(offsets, waiting), stage="assigner"
        )
        self.batches += 1

    async def _adopt_pending(self, now: float, out: BatchResult) -> None:
        assigned = {tp.partition for tp in self._consumer.assignment() if tp.topic == INPUT}
        for partition in sorted(self._pending):
            if partition in assigned:
                latest = await self._changelog.read(partition)
                await self.engine.adopt(partition, latest, now, out)
                self.owned.add(partition)
        self._pending.clear()
        self._freezer.freeze_now()  # the pools just read are long-lived

    async def _still_owner(self, touched: set[int]) -> bool:
        """False when this batch may have been applied by a worker the group has
        already replaced: a partition was taken, or the event loop stood still for
        half a session timeout since the batch was fetched and the coordinator did
        not then confirm the membership (``OwnershipGuard``)."""
        assigned = {tp.partition for tp in self._consumer.assignment() if tp.topic == INPUT}
        if not (touched <= assigned and touched <= self.owned):
            return False
        return await self.guard.still_member()

    async def _resync(self, partitions: set[int]) -> None:
        """Forget what this batch did to these partitions and start them over from
        what is persisted: their changelog and their last committed input offset."""
        await self._settle()
        self.resyncs += 1
        log.warning(
            "ownership uncertain for partitions %s: batch dropped, state re-read",
            sorted(partitions),
            extra={"stage": "assigner"},
        )
        assigned = {tp.partition for tp in self._consumer.assignment() if tp.topic == INPUT}
        for partition in partitions:
            self.engine.drop(partition)
            self.owned.discard(partition)
            if partition in assigned:
                tp = TopicPartition(INPUT, partition)
                committed = await self._consumer.committed(tp)
                if committed is None:
                    await self._consumer.seek_to_beginning(tp)
                else:
                    self._consumer.seek(tp, committed)
                self._pending.add(partition)

    async def _persist(self, out: BatchResult, now: float) -> Grouped:
        """The changelog writes, sent and acked, stamped with the batch's time (see
        ``persist_then_publish``); returns the outputs, grouped, to send after them."""
        # ``group`` remembers each key's partition: the pure-Python murmur2 per output
        # (wait estimates, keyed by customer, again every rotation) was 1.3% of the worker.
        by_partition = await self._batches.group(
            (name, key, value, ()) for name, key, value in out.publishable()
        )
        self._metrics.record_dead_letters(out.dead_letters)
        state: Grouped = {}
        for key_text, (partition, record) in out.writes.items():
            state.setdefault((self._changelog_topic, partition), []).append(
                (encode_key(key_text), encode_value(record), ())
            )
        await persist_then_publish(self._batches, state, {}, at=now)
        return by_partition


async def persist_then_publish(
    batches: BatchProducer, state: Grouped, world: Grouped, *, at: float | None = None
) -> None:
    """Send ``state`` (changelog writes) and wait for its acks before sending ``world``
    (offers, assignments, revocations, estimates).

    Whatever an agent or a front end sees is then already in the state a takeover
    reads. Sent together, a SIGKILL between the two acks could land an offer whose
    state was lost: the next owner offered the contact again, under the same offer
    id, while the first offer still stood (the full chaos kill run: 16 overlapping
    offers in 40 kills). The other way round is harmless: an offer persisted but
    never seen times out and goes to the next agent; an assignment persisted but
    never announced is announced again when its accept is replayed (the input is
    committed only after both). The price is one more round trip per batch.

    Every record is stamped ``at``, the time the batch was decided: one batch's
    revocation and the re-offer it made room for are one moment, and carry one
    time. Stamped at append, they carried times a millisecond apart in partition
    order, the re-offer sometimes first."""
    stamp = None if at is None else int(at * 1000)
    for grouped in (state, world):
        if grouped:
            futures = await batches.send_grouped(grouped, timestamp_ms=stamp)
            await batches.acked(grouped, futures, stage="assigner", timestamp_ms=stamp)
