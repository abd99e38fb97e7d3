"""The assigner's changelog reader: the latest record per key, read to the fetch high
watermark; a partition read before is read on from where the last read stopped.

The full chaos run (40 SIGKILLs) found takeovers re-reading the whole uncompacted
changelog (60k records) each time the ownership check dropped the state; the read
stalled the event loop past that check again, and the worker never caught up."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from omniroute.router.runtime import Settings
from omniroute.router.stages.assignment import ChangelogReader, encode_key, encode_value

pytestmark = [pytest.mark.kafka]


async def _write(producer: AIOKafkaProducer, topic: str, rows: list[tuple[str, object]]) -> None:
    for key, value in rows:
        record = None if value is None else {"value": value}
        await producer.send(topic, encode_value(record), key=encode_key(key), partition=1)
    await producer.flush()


async def _scenario(bootstrap: str) -> dict[str, object]:
    topic = f"changelog-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 2, 1, topic_configs={"cleanup.policy": "compact"})])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    consumers = [
        AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False) for _ in range(2)
    ]
    await producer.start()
    for consumer in consumers:
        await consumer.start()
    try:
        reader = ChangelogReader(consumers[0], topic, chunk=7)
        await _write(producer, topic, [(f"p|c|{n}", n) for n in range(50)])
        first = await reader.read(1)
        after_first = reader.records_read
        await _write(producer, topic, [("p|c|3", "again"), ("p|c|4", None), ("p|c|new", 1)])
        second = await reader.read(1)
        fresh = await ChangelogReader(consumers[1], topic).read(1)
        return {
            "first": first,
            "second": second,
            "fresh": fresh,
            "read_first": after_first,
            "read_second": reader.records_read - after_first,
        }
    finally:
        await producer.stop()
        for consumer in consumers:
            await consumer.stop()


def test_a_second_read_goes_on_from_the_first_and_equals_a_full_read(
    stack_settings: Settings,
) -> None:
    got = asyncio.run(_scenario(stack_settings.kafka.bootstrap_servers))
    assert got["first"] == {f"p|c|{n}": {"value": n} for n in range(50)}
    expected: dict[str, dict[str, object]] = {f"p|c|{n}": {"value": n} for n in range(50) if n != 4}
    expected |= {"p|c|3": {"value": "again"}, "p|c|new": {"value": 1}}
    assert got["second"] == expected
    assert got["fresh"] == expected  # a reader that starts at 0 agrees
    assert (got["read_first"], got["read_second"]) == (50, 3)
