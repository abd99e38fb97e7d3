"""Record batches written byte by byte and sent with a raw ProduceRequest: the
corrupt input no well-behaved client would produce, through the real protocol."""

from __future__ import annotations

import asyncio
import struct

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record._crc32c import crc as crc32c
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords

_ATTRIBUTES = 21  # v2 batch: base offset 8, length 4, leader epoch 4, magic 1, crc 4
_CRC = 17


def batch(records: list[tuple[bytes | None, bytes]], codec: int = 0) -> bytes:
    """A valid v2 record batch (codec: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)."""
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=codec,
        is_transactional=False,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=16 * 1024 * 1024,
    )
    for offset, (key, value) in enumerate(records):
        builder.append(offset, timestamp=None, key=key, value=value, headers=[])
    return bytes(builder.build())


def with_bad_crc(data: bytes) -> bytes:
    """The same batch with its last byte flipped: the CRC no longer matches."""
    return data[:-1] + bytes([data[-1] ^ 0xFF])


def claiming_codec(data: bytes, codec: int) -> bytes:
    """An uncompressed batch relabelled as ``codec`` with a valid CRC: the consumer
    trusts the label and fails to decompress the payload."""
    out = bytearray(data)
    (attributes,) = struct.unpack_from(">h", out, _ATTRIBUTES)
    struct.pack_into(">h", out, _ATTRIBUTES, (attributes & ~0x07) | codec)
    struct.pack_into(">I", out, _CRC, crc32c(bytes(out[_ATTRIBUTES:])))
    return bytes(out)


async def _send(bootstrap: str, topic: str, partition: int, message_set: bytes) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.client.force_metadata_update()
        node = producer.client.cluster.leader_for_partition(TopicPartition(topic, partition))
        request = ProduceRequest(None, -1, 30_000, [(topic, [(partition, message_set)])])
        response = await producer.client.send(node, request)
        (_, partitions), *_ = response.topics
        return int(partitions[0][1])  # error code
    finally:
        await producer.stop()


def send_raw(bootstrap: str, topic: str, partition: int, *batches: bytes) -> int:
    """Append ``batches`` in one ProduceRequest; the broker's error code (0: taken)."""
    return asyncio.run(_send(bootstrap, topic, partition, b"".join(batches)))


async def _codecs(bootstrap: str, topic: str, partition: int, offset: int) -> list[int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.client.force_metadata_update()
        node = producer.client.cluster.leader_for_partition(TopicPartition(topic, partition))
        request = FetchRequest(100, 1, 16 << 20, 0, [(topic, [(partition, offset, 16 << 20)])])
        response = await producer.client.send(node, request)
        (_, partitions), *_ = response.topics
        records = MemoryRecords(partitions[0][-1])  # the last field is the batches' bytes
        codecs = []
        while records.has_next():
            batch = records.next_batch()
            if batch is not None:
                codecs.append(int(batch.compression_type))
        return codecs
    finally:
        await producer.stop()


def batch_codecs(bootstrap: str, topic: str, partition: int, offset: int = 0) -> list[int]:
    """The codec of every record batch stored on ``partition`` from ``offset``, as the
    broker serves it (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd): what a producer
    really wrote, which no consumer API shows."""
    return asyncio.run(_codecs(bootstrap, topic, partition, offset))
