"""A stage's state changelog, read back at takeover: a compacted topic of JSON keys
and values, the latest record per key. The assigner keeps its pools here; the
insight stage its customers and figures.

A takeover reads to the *fetch high watermark*, never to ``end_offsets()``: the
embedded broker's ListOffsets LATEST answer is the last batch's base offset + 1,
so a reader trusting it would stop short when the producer batches records.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pydantic_core import from_json

__all__ = ["ChangelogReader", "decode_key", "encode_key", "ensure_changelog"]

log = logging.getLogger("omniroute.changelog")
Record = dict[str, Any]


def encode_key(key: str) -> bytes:
    return json.dumps(key).encode()


def decode_key(raw: bytes) -> str:
    key = json.loads(raw)
    if not isinstance(key, str):
        raise ValueError(f"changelog key is not a string: {raw[:80]!r}")
    return key


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
    """Reads one changelog partition to the fetch high watermark, keeping the latest
    record per key. Used at takeover and to rebuild a pool.

    Three things keep a takeover short and the event loop free (heartbeats run on
    it): a partition read before is read on from where the last read stopped (a
    log only grows, and compaction keeps each key's latest record), only each key's
    latest value is decoded, and the loop is yielded between fetches. The embedded
    broker never compacts, so its changelog grows with every state change; the full
    chaos run (40 kills) found takeovers re-reading 60k records in one go, stalling
    the loop past the ownership check, which dropped the state and read it again:
    a livelock that grew with every kill."""

    def __init__(
        self, consumer: AIOKafkaConsumer, topic: str, *, chunk: int = 2000, stage: str = "assigner"
    ) -> None:
        self._consumer = consumer
        self._stage = stage
        self._topic = topic
        self._chunk = chunk
        self._lock = asyncio.Lock()
        self._read_to: dict[int, tuple[int, dict[bytes, bytes]]] = {}
        self.records_read = 0
        """Records fetched over the reader's life (tests, logs)."""

    async def read(self, partition: int) -> dict[str, Record]:
        async with self._lock:
            return await self._read(partition)

    async def _read(self, partition: int) -> dict[str, Record]:
        consumer = self._consumer
        tp = TopicPartition(self._topic, partition)
        consumer.assign([tp])
        start, known = self._read_to.get(partition, (0, {}))
        raw = dict(known)
        consumer.seek(tp, start)  # compaction may have removed 0: auto_offset_reset=earliest
        records = 0
        while True:
            fetched = await consumer.getmany(tp, timeout_ms=200, max_records=self._chunk)
            for message in fetched.get(tp, ()):
                records += 1
                if message.key is None:
                    continue
                if message.value is None or message.value == b"null":
                    raw.pop(message.key, None)  # a tombstone: dropped, or the map would only grow
                else:
                    raw[message.key] = message.value
            high = consumer.highwater(tp)
            if high is not None and high < start:  # the topic was made anew: from 0
                return await self._restart(partition)
            if high is not None and await consumer.position(tp) >= high:
                break
            await asyncio.sleep(0)  # a fetch served from the buffer does not yield
        self._read_to[partition] = (await consumer.position(tp), raw)
        self.records_read += records
        # pydantic-core's parser: 9 us a contact record against json.loads' 22, at a
        # takeover of 110k records the difference is 1.4 s of the recovery. Decoded a
        # chunk at a time with the loop yielded between chunks: 15k keys are ~0.2 s
        # of parsing, seconds on a starved host, and heartbeats run on this loop.
        latest: dict[str, Record] = {}
        for n, (key, value) in enumerate(raw.items(), 1):
            latest[decode_key(key)] = from_json(value)
            if n % self._chunk == 0:
                await asyncio.sleep(0)
        log.info(
            "read changelog partition %d: %d records from offset %d, %d keys",
            partition,
            records,
            start,
            len(latest),
            extra={"stage": self._stage},
        )
        return latest

    async def _restart(self, partition: int) -> dict[str, Record]:
        self._read_to.pop(partition, None)
        return await self._read(partition)
