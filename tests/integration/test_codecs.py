"""Every codec Kafka defines, both ways (issue 14): what omniroute's producers write
with each ``Compression`` is stored in that codec, and every kind of consumer
omniroute runs or meets reads it: kafka-python (the SDKs and tools), aiokafka (the
router and the assigner) and librdkafka (front ends and desktops of other teams).
The batches' codecs are read off the broker's fetch response, which no consumer
API shows, so a producer that silently ignored the setting would fail here."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka import TopicPartition as AioPartition
from confluent_kafka import OFFSET_BEGINNING, Consumer
from confluent_kafka import TopicPartition as RdPartition
from kafka.admin import KafkaAdminClient, NewTopic
from pydantic import TypeAdapter

from omniroute.router.runtime import Settings
from omniroute.router.sdk import ContractProducer, FrontEndClient, KeyedReader
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, Compression, InteractionArrived, new_event_id
from tests.support.raw_batches import batch_codecs

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

CODEC_IDS = {
    Compression.NONE: 0,
    Compression.GZIP: 1,
    Compression.SNAPPY: 2,
    Compression.LZ4: 3,
    Compression.ZSTD: 4,
}
ARRIVED = TypeAdapter(InteractionArrived)


def _arrivals(run: str) -> list[InteractionArrived]:
    return [
        InteractionArrived(
            id=new_event_id(),
            source="/tests/codecs",
            interaction_id=f"codec-{run}-{n}",
            customer_id=f"c-{run}",
            channel=Channel.CHAT,
            # kafka-python writes a batch uncompressed when the codec would not shrink
            # it; a long, repetitive IVR path makes every batch worth compressing.
            automation_path=["main-menu", "billing", "main-menu", "billing"] * 8,
        )
        for n in range(5)
    ]


def _fresh_topic(bootstrap: str) -> str:
    name = f"t-codec-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    return name


def _read_with_kafka_python(bootstrap: str, topic: str, wanted: int) -> list[str]:
    reader = KeyedReader(bootstrap, topic, None, ARRIVED, from_beginning=True)
    try:
        ids = []
        for message in reader.messages(timeout=10):
            ids.append(message.interaction_id)
            if len(ids) == wanted:
                break
        return ids
    finally:
        reader.close()


async def _read_with_aiokafka(bootstrap: str, topic: str, wanted: int) -> list[str]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = AioPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        ids: list[str] = []
        for _ in range(50):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                ids.extend(ARRIVED.validate_json(r.value or b"").interaction_id for r in records)
            if len(ids) >= wanted:
                break
        return ids
    finally:
        await consumer.stop()


def _read_with_librdkafka(bootstrap: str, topic: str, wanted: int) -> list[str]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"t-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([RdPartition(topic, 0, OFFSET_BEGINNING)])
    ids: list[str] = []
    try:
        for _ in range(100):
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                ids.append(ARRIVED.validate_json(message.value() or b"").interaction_id)
            if len(ids) >= wanted:
                break
        return ids
    finally:
        consumer.close()


@pytest.mark.parametrize("codec", list(Compression), ids=str)
def test_what_omniroute_writes_with_each_codec_is_stored_so_and_every_client_reads_it(
    private_stack: Settings, codec: Compression
) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    topic = _fresh_topic(bootstrap)
    events = _arrivals(uuid.uuid4().hex[:6])
    producer = ContractProducer(bootstrap, compression=codec)
    try:
        for event in events:
            producer.send(topic, event.customer_id, event)
    finally:
        producer.close()
    expected = [e.interaction_id for e in events]

    codecs = batch_codecs(bootstrap, topic, 0)
    assert codecs, "no batch stored"
    assert set(codecs) == {CODEC_IDS[codec]}, codecs
    assert _read_with_kafka_python(bootstrap, topic, len(expected)) == expected
    assert asyncio.run(_read_with_aiokafka(bootstrap, topic, len(expected))) == expected
    assert _read_with_librdkafka(bootstrap, topic, len(expected)) == expected


def test_the_router_writes_its_decisions_in_the_configured_codec(
    private_stack: Settings, private_router: WorkerProcess
) -> None:
    """The private router runs with lz4 (production's default; the embedded
    profile's is none); the SDK sends zstd and reads the lz4 decision back."""
    assert private_stack.kafka.compression is Compression.LZ4
    bootstrap = private_stack.kafka.bootstrap_servers
    (event, *_) = _arrivals(uuid.uuid4().hex[:6])
    with FrontEndClient(bootstrap, source="/tests/codecs", compression=Compression.ZSTD) as sdk:
        sdk.publish(event)
        decision = sdk.decision_for(event.interaction_id, timeout=30)
    assert decision.interaction_id == event.interaction_id
    codecs = {
        codec
        for partition in range(private_stack.kafka.partitions)
        for codec in batch_codecs(bootstrap, "omniroute.decisions", partition)
    }
    # aiokafka, like kafka-python, stores a batch uncompressed when lz4 would not
    # shrink it (a lone short decision may not); every other batch is lz4.
    assert CODEC_IDS[Compression.LZ4] in codecs
    assert codecs <= {CODEC_IDS[Compression.LZ4], CODEC_IDS[Compression.NONE]}
    assert private_router.alive()
