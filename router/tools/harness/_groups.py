"""Whether a consumer group has caught up: its committed offsets against the fetch
high watermark of what it reads. A tool that waits for a worker to finish waits for
this, not for a quiet spell: a worker commits a batch only after its outputs and dead
letters are acked, so a group committed to the end has published everything it owes.

The embedded broker answers ListGroups with nothing, so groups are named; and its
ListOffsets is wrong for multi-record batches, so "the end" is a fetch's high
watermark (docs/embedded-broker.md)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

__all__ = ["committed_offsets", "group_caught_up"]


def committed_offsets(
    bootstrap_servers: str, group: str, partitions: Iterable[TopicPartition]
) -> dict[TopicPartition, int]:
    """``group``'s committed offset of each of ``partitions`` it has committed; empty
    when the broker cannot say (a later call may)."""
    wanted = list(partitions)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
    try:
        answer = admin.list_group_offsets({group: wanted}).get(group, {})
    except KafkaError:
        return {}
    finally:
        admin.close()
    return {tp: meta.offset for tp, meta in answer.items() if meta.offset >= 0}


def group_caught_up(
    bootstrap_servers: str, group: str, topics: Sequence[str], timeout: float = 10.0
) -> bool:
    """Whether ``group`` has committed every partition of ``topics`` up to its fetch
    high watermark now (a partition nobody wrote to counts as caught up)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=64 * 1024,
    )
    try:
        partitions = [
            TopicPartition(name, p)
            for name in topics
            for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        committed = committed_offsets(bootstrap_servers, group, partitions)
        consumer.assign(partitions)
        for tp in partitions:  # from what the group has done: only the rest is fetched
            consumer.seek(tp, committed.get(tp, 0))
        deadline = time.monotonic() + timeout
        while any(consumer.highwater(tp) is None for tp in partitions):
            if time.monotonic() > deadline:
                return False
            consumer.poll(timeout_ms=100, max_records=1)
        return all(committed.get(tp, 0) >= (consumer.highwater(tp) or 0) for tp in partitions)
    finally:
        consumer.close()
