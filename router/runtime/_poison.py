"""Poison pills: input that must never stop a partition, let alone the worker.

Two kinds reach a batch loop:

- a record the stage rejects (too large, not JSON, invalid...) becomes a dead letter,
  and the dead letter itself may not fit or be refused. ``DeadLetterProducer`` sends
  it; if the broker will not take it, it sends a minimal one (position and reason,
  no original bytes); if even that fails the record is never skipped: its partition
  is held there and the dead letter retried until the broker takes it
  (``HeldPartitions`` in ``_blocked``).
- a record batch the consumer cannot decode (a codec library missing, an unknown
  codec id, a bad CRC, a corrupt compressed payload). aiokafka raises it out of
  ``getmany`` without naming the partition (only the CRC message does), drops the
  records of other partitions that the same call had already taken, and re-raises
  on every call. ``UndecodableBatches`` finds it: every assigned partition goes
  back to its committed offset, and the record batches from there are fetched raw
  and decoded one by one with aiokafka's own record classes. The good records
  before the bad batch are salvaged, the bad batch (its offsets, codec and a
  prefix of its bytes) becomes one ``undecodable_batch`` dead letter, and the
  partition resumes at the first offset after it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import struct
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CorruptRecordException, KafkaError, for_code
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords
from pydantic import ValidationError

from omniroute.router.codec import InboundRecord, dead_letter_for
from omniroute.schemas import DeadLetter, DeadLetterReason, utc_now

__all__ = [
    "DeadLetterProducer",
    "Salvage",
    "UndecodableBatches",
    "dead_letter_records",
    "letter_position",
    "minimal_dead_letter",
]

log = logging.getLogger("omniroute.poison")

_BATCH_HEADER = struct.Struct(">qi")  # base offset, batch length (after these 12 bytes)
_CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def dead_letter_records(
    letters: Iterable[DeadLetter], topic: str
) -> Iterator[tuple[str, bytes | None, bytes]]:
    """Each dead letter as the record that carries it, keyed as its original (so one
    key's letters stay in order on one partition), with a log line naming the
    position: what both stages do with the dead letters a batch made."""
    for letter in letters:
        log.log(
            _letter_log_level(),
            "dead-lettered %s at %s/%d/%d",
            letter.reason.value,
            letter.original_topic,
            letter.original_partition,
            letter.original_offset,
            extra={"stage": letter.stage, "reason": letter.reason.value},
        )
        key = None if letter.original_key_b64 is None else base64.b64decode(letter.original_key_b64)
        yield topic, key, letter.model_dump_json().encode()


_LETTER_LINES_PER_SECOND = 20
_letter_lines: list[float] = [0.0, 0.0]  # [second, lines in it]


def _letter_log_level() -> int:
    """WARNING for the first letters each second, DEBUG past them: a flood of bad
    records must not become a flood of log lines (the dead-letter counter and the
    budget's summary still count every one)."""
    second = float(int(time.monotonic()))
    if _letter_lines[0] != second:
        _letter_lines[:] = [second, 0.0]
    _letter_lines[1] += 1
    return logging.WARNING if _letter_lines[1] <= _LETTER_LINES_PER_SECOND else logging.DEBUG


def minimal_dead_letter(value: bytes) -> bytes | None:
    """The same dead letter without the original bytes, field errors or long detail:
    a few hundred bytes that any broker takes. None if ``value`` is no dead letter."""
    try:
        letter = DeadLetter.model_validate_json(value)
    except ValidationError:
        return None
    return (
        letter.model_copy(
            update={
                "original_key_b64": None,
                "original_value_b64": "",
                "original_truncated": bool(letter.original_size),
                "errors": (),
                "detail": letter.detail[:200],
            }
        )
        .model_dump_json()
        .encode()
    )


def letter_position(value: bytes) -> tuple[TopicPartition, int]:
    """The input partition and offset a dead letter stands for (``value`` is one of
    the dead letters the stages make, so it parses)."""
    letter = DeadLetter.model_validate_json(value)
    return TopicPartition(letter.original_topic, letter.original_partition), letter.original_offset


class DeadLetterProducer:
    """Sends a dead letter whole, else minimal; says when the broker took neither, so
    the batch loop can hold the record's partition instead of losing the record
    (``HeldPartitions``)."""

    def __init__(self, producer: AIOKafkaProducer, topic: str, *, stage: str) -> None:
        self._producer = producer
        self.topic = topic
        self._stage = stage

    async def send(self, key: bytes | None, value: bytes) -> KafkaError | None:
        """Send and wait for the broker's answer (the fallback needs it): None once the
        broker took the dead letter, else its last refusal."""
        try:
            await (await self._producer.send(self.topic, value=value, key=key))
            return None
        except KafkaError as error:
            refusal = error
        minimal = minimal_dead_letter(value)
        if minimal is not None:
            try:
                await (await self._producer.send(self.topic, value=minimal, key=None))
                log.warning(
                    "dead letter refused (%s); sent without the original bytes",
                    type(refusal).__name__,
                    extra={"stage": self._stage},
                )
                return None
            except KafkaError as error:
                refusal = error
        where, offset = letter_position(value)
        # A warning: the caller holds the partition and logs each retry as an error.
        log.warning(
            "dead letter of %s/%d/%d refused by the broker, whole and minimal (%s: %s)",
            where.topic,
            where.partition,
            offset,
            type(refusal).__name__,
            refusal,
            extra={"stage": self._stage},
        )
        return refusal


@dataclass(frozen=True, slots=True)
class Salvage:
    """What is left of one partition's fetch after an undecodable batch."""

    partition: TopicPartition
    records: list[InboundRecord]
    dead_letter: DeadLetter
    resume_at: int


class UndecodableBatches:
    """Finds the record batch ``getmany`` could not decode, on whichever partition."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        *,
        stage: str,
        max_fetch_bytes: int,
    ) -> None:
        self._consumer = consumer
        self._stage = stage
        self._max_fetch_bytes = max_fetch_bytes

    async def isolate(self, error: BaseException) -> list[Salvage]:
        """Every assigned partition back to its committed offset; the bad batches found
        from there, with the good records before them. Empty: nothing undecodable."""
        consumer = self._consumer
        found: list[Salvage] = []
        # A held partition is paused at a refused dead letter: re-reading it here would
        # process again what is waiting to be committed.
        paused = consumer.paused()
        for tp in sorted(consumer.assignment() - paused):
            start = await self._committed(tp)
            consumer.seek(tp, start)
            salvage = await self._scan(tp, start, error)
            if salvage is not None:
                found.append(salvage)
        return found

    async def _committed(self, tp: TopicPartition) -> int:
        committed = await self._consumer.committed(tp)
        if committed is not None:
            return int(committed)
        return int((await self._consumer.beginning_offsets([tp]))[tp])

    async def _fetch_raw(self, tp: TopicPartition, offset: int) -> bytes:
        # The consumer's own client: same brokers, same security settings.
        client: Any = self._consumer._client
        node = client.cluster.leader_for_partition(tp)
        if node is None or node < 0:
            await client.force_metadata_update()
            node = client.cluster.leader_for_partition(tp)
        limit = self._max_fetch_bytes
        # Some brokers (the embedded Tansu) answer a zero max-wait fetch with nothing
        # at all; with data present, min_bytes=1 answers at once anyway.
        request = FetchRequest(500, 1, limit, 0, [(tp.topic, [(tp.partition, offset, limit)])])
        response = await client.send(node, request)
        for _topic, partitions in response.topics:
            for _partition, error_code, _high, *data in partitions:
                if error_code:
                    raise for_code(error_code)(f"raw fetch of {tp} at {offset}")
                return bytes(data[-1] or b"")
        return b""

    async def _scan(self, tp: TopicPartition, start: int, error: BaseException) -> Salvage | None:
        raw = await self._fetch_raw(tp, start)
        good: list[InboundRecord] = []
        pos = 0
        while len(raw) - pos >= _BATCH_HEADER.size:
            base_offset, length = _BATCH_HEADER.unpack_from(raw, pos)
            end = pos + _BATCH_HEADER.size + length
            if end > len(raw):
                break  # a partial batch at the end of the fetch: the next fetch has it
            chunk = raw[pos:end]
            pos = end
            try:
                good.extend(_decode(tp, chunk, start))
            except Exception as reason:  # any failure to decode is the finding
                resume_at = max(_next_offset(chunk, base_offset), start + 1)
                return Salvage(
                    tp, good, self._letter(tp, chunk, base_offset, resume_at, reason), resume_at
                )
        return None

    def _letter(
        self,
        tp: TopicPartition,
        chunk: bytes,
        base_offset: int,
        resume_at: int,
        reason: BaseException,
    ) -> DeadLetter:
        codec = _CODECS.get(_attributes(chunk) & 0x07, "unknown") if len(chunk) > 22 else "unknown"
        detail = (
            f"record batch at offsets {base_offset}..{resume_at - 1} ({len(chunk)} bytes,"
            f" codec {codec}) cannot be decoded: {type(reason).__name__}: {reason}"
        )
        log.error(
            "undecodable record batch on %s/%d at offsets %d..%d, dead-lettered: %s",
            tp.topic,
            tp.partition,
            base_offset,
            resume_at - 1,
            detail,
            extra={"stage": self._stage, "reason": DeadLetterReason.UNDECODABLE_BATCH.value},
        )
        record = InboundRecord(tp.topic, tp.partition, base_offset, None, chunk)
        return dead_letter_for(
            record, DeadLetterReason.UNDECODABLE_BATCH, detail, stage=self._stage, now=utc_now()
        )


def _attributes(chunk: bytes) -> int:
    magic = chunk[16]
    if magic >= 2:
        return int(struct.unpack_from(">h", chunk, 21)[0])
    return int(chunk[17])  # v0/v1: offset, size, crc, magic, then attributes


def _next_offset(chunk: bytes, base_offset: int) -> int:
    """One past the batch's last offset, read from its header (v2: last offset delta)."""
    if len(chunk) >= 27 and chunk[16] >= 2:
        return base_offset + int(struct.unpack_from(">i", chunk, 23)[0]) + 1
    return base_offset + 1


def _decode(tp: TopicPartition, chunk: bytes, start: int) -> Sequence[InboundRecord]:
    """The batch's records as the consumer would give them, or the reason it cannot."""
    batch: Any = MemoryRecords(chunk).next_batch()
    if batch is None:
        raise CorruptRecordException("truncated record batch")
    if not batch.validate_crc():
        raise CorruptRecordException("invalid CRC")
    if getattr(batch, "is_control_batch", False):
        return []
    return [
        InboundRecord(
            tp.topic,
            tp.partition,
            record.offset,
            record.key,
            record.value,
            record.timestamp,
            tuple(getattr(record, "headers", ()) or ()),
        )
        for record in batch
        if record.offset >= start
    ]


async def backoff(attempt: int) -> None:
    """Wait before retrying a fetch error nothing explained: 0.2 s, 0.4 s ... 3.2 s."""
    await asyncio.sleep(min(3.2, 0.2 * 2 ** max(0, attempt - 1)))
