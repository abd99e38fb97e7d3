"""The assigner's state changelog: one compacted record per contact, agent and
queue handle time (``pool|c|interaction`` ...), on the partition of the input
partition that owns the pool, so taking over input partition p means reading
changelog partition p.

Keys and values are JSON, as the Faust table before wrote them, so a worker can
take over a changelog an older worker left.

A takeover reads to the *fetch high watermark*, never to ``end_offsets()``: the
embedded broker's ListOffsets LATEST answer is the last batch's base offset + 1,
so a reader trusting it would stop short when the producer batches records.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from omniroute.agents import Record

__all__ = [
    "ChangelogReader",
    "changelog_topic",
    "decode_key",
    "encode_key",
    "encode_value",
    "ensure_changelog",
]

log = logging.getLogger("omniroute.assigner")


def changelog_topic(app_id: str) -> str:
    """The name Faust gave the table's changelog, kept so state carries over."""
    return f"{app_id}-assigner-state-changelog"


def encode_key(key: str) -> bytes:
    return json.dumps(key).encode()


def decode_key(raw: bytes) -> str:
    key = json.loads(raw)
    if not isinstance(key, str):
        raise ValueError(f"changelog key is not a string: {raw[:80]!r}")
    return key


def encode_value(record: Record | None) -> bytes | None:
    """None is a tombstone: compaction drops the key."""
    return None if record is None else json.dumps(record, separators=(",", ":")).encode()


async def ensure_changelog(
    admin: AIOKafkaAdminClient,
    topic: str,
    partitions: int,
    replication: int,
    configs: dict[str, str] | None = None,
) -> None:
    """Create the compacted changelog if missing (Faust created it before)."""
    topic_configs = configs or {"cleanup.policy": "compact"}
    with contextlib.suppress(TopicAlreadyExistsError):
        await admin.create_topics(
            [NewTopic(topic, partitions, replication, topic_configs=topic_configs)]
        )


class ChangelogReader:
    """Reads one changelog partition from its beginning to the fetch high watermark,
    keeping the latest record per key. Used at takeover and to rebuild a pool."""

    def __init__(self, consumer: AIOKafkaConsumer, topic: str) -> None:
        self._consumer = consumer
        self._topic = topic
        self._lock = asyncio.Lock()

    async def read(self, partition: int) -> dict[str, Record]:
        async with self._lock:
            return await self._read(partition)

    async def _read(self, partition: int) -> dict[str, Record]:
        consumer = self._consumer
        tp = TopicPartition(self._topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, 0)  # compaction may have removed 0: auto_offset_reset=earliest
        latest: dict[str, Record] = {}
        records = 0
        while True:
            fetched = await consumer.getmany(tp, timeout_ms=200, max_records=20_000)
            for message in fetched.get(tp, ()):
                records += 1
                if message.key is None:
                    continue
                key = decode_key(message.key)
                if message.value is None or message.value == b"null":
                    latest.pop(key, None)
                else:
                    latest[key] = json.loads(message.value)
            high = consumer.highwater(tp)
            if high is not None and await consumer.position(tp) >= high:
                break
        log.info(
            "read changelog partition %d: %d records, %d keys",
            partition,
            records,
            len(latest),
            extra={"stage": "assigner"},
        )
        return latest
