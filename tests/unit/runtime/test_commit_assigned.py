"""A batch whose partitions a rebalance moved while its acks were in flight commits
only what the consumer still holds, and never stops the loop (the ``pause`` chaos
scenario's other assigner exited on aiokafka's IllegalStateError in one of five
clean-clone runs)."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from omniroute.router.runtime import commit_assigned

HELD = TopicPartition("omniroute.agent-events", 2)
MOVED = TopicPartition("omniroute.agent-events", 5)


class _Consumer:
    def __init__(self, assigned: set[TopicPartition], fail: Exception | None = None) -> None:
        self._assigned = assigned
        self._fail = fail
        self.committed: list[dict[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return set(self._assigned)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self._fail is not None:
            raise self._fail
        missing = set(offsets) - self._assigned
        if missing:  # what aiokafka does
            raise IllegalStateError(f"Partition {missing.pop()} is not assigned")
        self.committed.append(offsets)


def test_only_the_partitions_still_held_are_committed() -> None:
    consumer = _Consumer({HELD})
    asyncio.run(commit_assigned(consumer, {HELD: 41, MOVED: 7}, stage="test"))
    assert consumer.committed == [{HELD: 41}]


def test_a_batch_whose_partitions_all_moved_commits_nothing() -> None:
    consumer = _Consumer(set())
    asyncio.run(commit_assigned(consumer, {MOVED: 7}, stage="test"))
    assert consumer.committed == []


@pytest.mark.parametrize(
    "error", [IllegalStateError("moved meanwhile"), CommitFailedError("rebalancing")]
)
def test_a_rebalance_racing_the_commit_is_logged_not_raised(error: Exception) -> None:
    consumer = _Consumer({HELD}, fail=error)
    asyncio.run(commit_assigned(consumer, {HELD: 41}, stage="test"))
    assert consumer.committed == []
