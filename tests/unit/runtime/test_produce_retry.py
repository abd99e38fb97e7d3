"""A retriable broker error (Tansu answers NotLeaderForPartition right after a topic
is created and under load) makes the batch go again instead of ending the loop; a
non-retriable one, or one that keeps coming, still fails the batch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import NotLeaderForPartitionError, RecordTooLargeError
from aiokafka.partitioner import DefaultPartitioner

from omniroute.router.runtime import BatchProducer, Produced


class _Batch:
    def __init__(self) -> None:
        self.records: list[tuple[bytes | None, bytes | None]] = []

    def append(self, *, key: bytes | None, value: bytes | None, **_: Any) -> object:
        self.records.append((key, value))
        return object()


class _Metadata:
    """The producer client's tracked topics."""

    def __init__(self) -> None:
        self.tracked: list[str] = []

    async def add_topic(self, topic: str) -> None:
        self.tracked.append(topic)


class _Broker:
    """Answers each send with the next scripted outcome (None: acked)."""

    def __init__(self, outcomes: list[BaseException | None]) -> None:
        self.outcomes = outcomes
        self.sent: list[tuple[str, int, list[tuple[bytes | None, bytes | None]]]] = []
        self.client = _Metadata()

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1, 2}

    def create_batch(self) -> _Batch:
        return _Batch()

    async def send_batch(self, batch: _Batch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        self.sent.append((topic, partition, batch.records))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is None:
            future.set_result(None)
        else:
            future.set_exception(outcome)
        return future


async def _deliver(broker: _Broker) -> None:
    producer = BatchProducer(broker)
    grouped = await producer.group([("t", b"k", b"v", ())])
    futures = await producer.send_grouped(grouped)
    await producer.acked(grouped, futures, stage="test")


def test_a_retriable_error_sends_the_batch_again() -> None:
    broker = _Broker([NotLeaderForPartitionError(), NotLeaderForPartitionError(), None])
    asyncio.run(_deliver(broker))
    assert len(broker.sent) == 3
    assert {records[0] for _, _, records in broker.sent} == {(b"k", b"v")}
    assert broker.client.tracked == ["t"]  # once, however often the batch goes
    assert len({partition for _, partition, _ in broker.sent}) == 1  # same key, same place


def test_a_non_retriable_error_fails_the_batch() -> None:
    broker = _Broker([RecordTooLargeError()])
    with pytest.raises(RecordTooLargeError):
        asyncio.run(_deliver(broker))
    assert len(broker.sent) == 1


def test_a_retriable_error_that_keeps_coming_fails_the_batch() -> None:
    broker = _Broker([NotLeaderForPartitionError() for _ in range(10)])
    with pytest.raises(NotLeaderForPartitionError):
        asyncio.run(_deliver(broker))
    assert len(broker.sent) == 6


def test_remembered_partitions_are_the_partitioners_every_time() -> None:
    """Keys are placed once and remembered: a second batch of the same keys, and
    keys mixed with unkeyed records, land exactly where Kafka's default
    partitioner (murmur2, as every client computes it) puts them."""
    expected = DefaultPartitioner()
    keys = [f"cust-{n:05d}".encode() for n in range(500)]

    async def group_twice() -> list[dict[tuple[str, int], list[Any]]]:
        producer = BatchProducer(_Broker([]))
        records: list[Produced] = [("omniroute.decisions", key, b"v", ()) for key in keys]
        records.append(("omniroute.decisions", None, b"unkeyed", ()))
        return [await producer.group(records), await producer.group(reversed(records))]

    for grouped in asyncio.run(group_twice()):
        for (topic, partition), items in grouped.items():
            assert topic == "omniroute.decisions"
            for key, _, _ in items:
                want = 0 if key is None else expected(key, [0, 1, 2], [0, 1, 2])
                assert partition == want
        assert sum(map(len, grouped.values())) == 501
