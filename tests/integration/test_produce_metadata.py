"""The shared producer keeps every topic it writes to in its metadata.

aiokafka refreshes only the topics a client tracks once it tracks any, and the
answer replaces its whole view. The assigner's changelog is created after its
producer starts; sending to it made it the one tracked topic, the refresh dropped
the rest, and a batch already queued for another topic waited for a leader until
it expired: every pool stalled ~40 s, then the offers went out with their timers
long past (CI: test_assigner_recovery assigned 2 of 8)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from omniroute.router.runtime import BatchProducer, Settings

pytestmark = [pytest.mark.kafka]


async def _queue_then_send_to_a_new_topic(bootstrap: str) -> list[int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=300, request_timeout_ms=4000)
    await producer.start()  # learns every topic there is, tracks none
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    late = f"late-{uuid.uuid4().hex[:8]}"
    try:
        await admin.create_topics([NewTopic(late, 3, 1)])
        batches = BatchProducer(producer)
        # Lingers 300 ms in the accumulator while the new topic's metadata arrives.
        queued = await batches.send_grouped({("omniroute.pool-load", 1): [(b"k", b"v", ())]})
        first = await batches.send_grouped({(late, 2): [(b"k", b"v", ())]})
        acks = await asyncio.wait_for(asyncio.gather(*queued, *first), timeout=20)
        return [ack.partition for ack in acks]
    finally:
        await admin.close()
        await producer.stop()


def test_a_batch_queued_for_a_known_topic_survives_a_new_topic(
    stack_settings: Settings,
) -> None:
    partitions = asyncio.run(
        _queue_then_send_to_a_new_topic(stack_settings.kafka.bootstrap_servers)
    )
    assert partitions == [1, 2]
