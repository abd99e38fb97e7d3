"""What the client SDKs share: a kafka-python producer of contract messages and a
reader of the one partition a key lives on."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, Self

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner.default import murmur2
from pydantic import BaseModel, TypeAdapter, ValidationError

from omniroute.schemas import Compression, TopicSpec

_SEEN_IDS_KEPT = 100_000
"""Ids remembered to drop redelivered duplicates: far more than one session reads."""

__all__ = ["ClientSession", "ContractProducer", "KeyedReader", "partition_for"]


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2) puts ``key`` on."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


class ContractProducer:
    """Sends contract models keyed as the contract says, as omniroute's JSON envelope
    (the one documented mode of every output topic); waits for the broker's ack."""

    def __init__(
        self, bootstrap_servers: str, *, compression: Compression = Compression.LZ4, **config: Any
    ) -> None:
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            linger_ms=2,
            acks="all",
            compression_type=compression.client_value,
            **config,
        )

    def send(
        self,
        topic: str,
        key: str | None,
        message: BaseModel,
        *,
        wait: bool = True,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        """``headers``: e.g. ``[("correlation_id", b"...")]``, returned on the decision.
        ``key`` None: only for an event that names no customer (a contact address)."""
        future = self._producer.send(
            topic,
            key=key.encode() if key is not None else None,
            value=message.model_dump_json().encode(),
            headers=headers,
        )
        if wait:
            future.get(timeout=30)

    def close(self) -> None:
        self._producer.flush()
        self._producer.close()


class KeyedReader:
    """Reads the partitions a set of keys live on, from where they end now on, and
    yields the messages that parse; no consumer group, so no join to wait for.

    "Now" is the fetch high watermark, not ``end_offsets()`` (which the embedded
    broker answers wrongly): the first poll returns it, and anything below it is
    older than the reader.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        keys: list[bytes] | None,
        adapter: TypeAdapter[Any],
        *,
        from_beginning: bool = False,
        kafka_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            enable_auto_commit=False,
            group_id=None,
            **(kafka_config or {}),
        )
        partitions = sorted(self._consumer.partitions_for_topic(topic) or {0})
        wanted = (
            sorted({partition_for(key, len(partitions)) for key in keys}) if keys else partitions
        )
        self._tps = [TopicPartition(topic, p) for p in wanted]
        self._consumer.assign(self._tps)
        self._consumer.seek_to_beginning(*self._tps)
        self._adapter = adapter
        # Delivery is at least once: a message seen again (same id, e.g. republished
        # after a worker takeover) is dropped here, so callers see each message once.
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._skip_below: dict[int, int] = {}
        self._unread: deque[Any] = deque()
        if not from_beginning:
            self._skip_below = self._current_ends()

    def _current_ends(self) -> dict[int, int]:
        ends: dict[int, int] = {}
        deadline = time.monotonic() + 10
        while len(ends) < len(self._tps) and time.monotonic() < deadline:
            self._consumer.poll(timeout_ms=100, max_records=1, update_offsets=False)
            for tp in self._tps:
                high = self._consumer.highwater(tp)
                if high is not None:
                    ends[tp.partition] = high
        for tp in self._tps:
            self._consumer.seek(tp, ends.get(tp.partition, 0))
        return ends

    def messages(self, timeout: float | None = None) -> Iterator[Any]:
        """Parsed messages as they come; stops after ``timeout`` seconds of nothing.

        A caller may stop iterating at any message (``next(iter(...))``, a return from
        inside the loop): what the same poll brought after it waits in ``_unread`` for
        the next call. Dropped with the abandoned generator, the second of two
        decisions fetched together was never seen (a decision_for on each in turn)."""
        idle_since = time.monotonic()
        unread = self._unread
        while timeout is None or time.monotonic() - idle_since < timeout:
            if not unread:
                batches = self._consumer.poll(timeout_ms=100, max_records=500)
                for records in batches.values():
                    unread.extend(records)
            while unread:
                record = unread.popleft()
                if record.offset < self._skip_below.get(record.partition, 0):
                    continue
                try:
                    message = self._adapter.validate_json(record.value)
                except ValidationError:
                    continue
                idle_since = time.monotonic()
                if self._first_time(getattr(message, "id", None)):
                    yield message

    def _first_time(self, message_id: str | None) -> bool:
        if message_id is None:
            return True
        if message_id in self._seen:
            return False
        self._seen[message_id] = None
        if len(self._seen) > _SEEN_IDS_KEPT:
            self._seen.popitem(last=False)
        return True

    def close(self) -> None:
        self._consumer.close()


class ClientSession:
    """What every SDK client is: a producer of its events and a reader of the topic
    its answers come on, closed together, usable as a context manager."""

    def __init__(
        self,
        bootstrap_servers: str,
        answers: TopicSpec,
        keys: list[bytes] | None,
        *,
        compression: Compression,
        kafka_config: Mapping[str, Any] | None = None,
    ) -> None:
        """The producer, then the reader of ``answers`` on the partitions of ``keys``
        (all when None), positioned now: before the client sends anything, so no
        answer to it can slip past.

        ``kafka_config``: kafka-python options both clients get, e.g. the security
        ones (``security_protocol``, ``sasl_*``, ``ssl_*``); with omniroute's settings,
        ``omniroute.router.runtime.kafka_python_security(settings.kafka)`` builds them."""
        config = dict(kafka_config or {})
        self._producer = ContractProducer(bootstrap_servers, compression=compression, **config)
        self._reader = KeyedReader(
            bootstrap_servers, answers.name, keys, answers.adapter, kafka_config=config
        )

    def close(self) -> None:
        self._producer.close()
        self._reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
