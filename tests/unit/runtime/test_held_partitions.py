"""A partition held at a refused dead letter: paused and flagged at once, retried on
the backoff schedule, letters of one partition kept in order, and released (its
furthest offset committed, resumed, flag back to 0) only once every letter is in.
The live-broker test (tests/integration/test_dead_letter_blocked.py) shows the hold;
the embedded broker's schema registry never reloads, so it cannot show a refusal
ending in the same process: this does, with a producer that refuses on script."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import UnknownError
from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord, dead_letter_for
from omniroute.router.runtime import (
    DeadLetterProducer,
    HeldPartitions,
    WorkerMetrics,
    letter_position,
)
from omniroute.schemas import DeadLetterReason, utc_now

INPUT = "omniroute.interactions"
HELD = TopicPartition(INPUT, 1)
OTHER = TopicPartition(INPUT, 2)


def _letter(tp: TopicPartition, offset: int) -> tuple[bytes | None, bytes]:
    record = InboundRecord(tp.topic, tp.partition, offset, b"c-1", b"not json")
    letter = dead_letter_for(
        record, DeadLetterReason.NOT_JSON, "test", stage="router", now=utc_now()
    )
    return b"c-1", letter.model_dump_json().encode()


class _Producer:
    """Refuses the first ``refusals`` sends of letters for ``HELD`` (whole and minimal
    count one each), takes everything else."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.written: list[bytes] = []

    async def send(self, topic: str, *, value: bytes, key: bytes | None) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.refusals > 0 and letter_position(value)[0] == HELD:
            self.refusals -= 1
            future.set_exception(UnknownError())
        else:
            self.written.append(value)
            future.set_result(None)
        return future


class _Consumer:
    def __init__(self) -> None:
        self.assigned = {HELD, OTHER}
        self._paused: set[TopicPartition] = set()
        self.resumed: list[TopicPartition] = []

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    def pause(self, tp: TopicPartition) -> None:
        self._paused.add(tp)

    def resume(self, tp: TopicPartition) -> None:
        self._paused.discard(tp)
        self.resumed.append(tp)


class _Setup:
    def __init__(self, refusals: int) -> None:
        self.producer = _Producer(refusals)
        self.consumer = _Consumer()
        self.metrics = WorkerMetrics(CollectorRegistry(), process=False)
        self.committed: list[dict[TopicPartition, int]] = []
        self.held = HeldPartitions(
            self.consumer,
            DeadLetterProducer(self.producer, "dl", stage="router"),
            stage="router",
            metrics=self.metrics,
            first_retry=0.01,
            longest_retry=0.04,
        )

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(offsets)

    def blocked(self, tp: TopicPartition) -> float:
        gauge = self.metrics.dead_letter_blocked.labels("router", tp.topic, str(tp.partition))
        return float(gauge._value.get())

    def retries(self) -> float:
        return float(self.metrics.dead_letter_retries.labels("router")._value.get())

    async def release_until_resumed(self) -> int:
        """Call release as the batch loop does, once a tick; how many ticks it took."""
        for tick in range(1, 500):
            await self.held.release(self.commit)
            if not self.held:
                return tick
            await asyncio.sleep(0.005)
        raise AssertionError("never released")


def test_a_letter_written_at_once_holds_nothing() -> None:
    async def scenario() -> None:
        setup = _Setup(refusals=0)
        waiting = await setup.held.send([_letter(HELD, 7)])
        assert waiting == {}
        assert len(setup.producer.written) == 1
        assert not setup.held
        assert setup.consumer.paused() == set()

    asyncio.run(scenario())


def test_a_refused_letter_holds_its_partition_until_a_retry_is_taken() -> None:
    async def scenario() -> None:
        # Whole and minimal refused on the first try, then on two retries: 6 refusals.
        setup = _Setup(refusals=6)
        first, later, other = _letter(HELD, 7), _letter(HELD, 9), _letter(OTHER, 3)
        waiting = await setup.held.send([first, other])
        assert waiting == {HELD: [first]}, "the other partition's letter went through"
        setup.held.hold(HELD, waiting[HELD], commit=8)
        assert HELD in setup.held
        assert setup.consumer.paused() == {HELD}
        assert setup.blocked(HELD) == 1.0

        # A later batch: its letter for the held partition waits behind the first,
        # and its offsets are folded into the commit made on release.
        assert await setup.held.send([later]) == {HELD: [later]}
        setup.held.hold(HELD, [later], commit=12)
        await setup.held.release(setup.commit)
        assert setup.committed == [], "nothing committed while a letter waits"

        await setup.release_until_resumed()
        assert setup.committed == [{HELD: 12}]
        assert setup.consumer.resumed == [HELD]
        assert setup.consumer.paused() == set()
        assert setup.blocked(HELD) == 0.0
        # The other partition's letter at once, then the held ones in their order.
        assert setup.producer.written == [other[1], first[1], later[1]]
        assert setup.retries() == 4.0  # two refused retries of the first, then one each

    asyncio.run(scenario())


def test_a_partition_a_rebalance_takes_is_forgotten_uncommitted() -> None:
    async def scenario() -> None:
        setup = _Setup(refusals=10_000)
        letter = _letter(HELD, 7)
        setup.held.hold(HELD, [letter], commit=8)
        setup.consumer.assigned = {OTHER}
        await setup.held.release(setup.commit)
        assert not setup.held
        assert setup.committed == []
        assert setup.blocked(HELD) == 0.0

    asyncio.run(scenario())


def test_closing_cancels_the_retries() -> None:
    async def scenario() -> None:
        setup = _Setup(refusals=10_000)
        setup.held.hold(HELD, [_letter(HELD, 7)], commit=8)
        await asyncio.sleep(0.1)
        attempts = setup.retries()
        setup.held.close()
        await asyncio.sleep(0.1)
        assert setup.retries() == attempts
        assert setup.blocked(HELD) == 0.0

    asyncio.run(scenario())
