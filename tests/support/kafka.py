"""Talking to the real broker from tests, the way front ends and operators do."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from omniroute.router.runtime import Settings
from omniroute.router.stages.assignment import changelog_topic
from omniroute.router.tools.chaos import held_contact_records
from omniroute.schemas import InteractionUpdate, new_event_id, topic


def produce(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
    try:
        for key, value in records:
            producer.send(topic, key=key, value=value)
        producer.flush()
    finally:
        producer.close()


class TopicReader:
    """Reads a topic from its beginning without a consumer group, keeping every record."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        partitions = [
            TopicPartition(topic, p)
            for p in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        self._consumer.assign(partitions)
        self._consumer.seek_to_beginning(*partitions)
        self.records: list[dict[str, Any]] = []
        self.raw: list[tuple[bytes | None, bytes, int, int]] = []

    def poll(self) -> None:
        for messages in self._consumer.poll(timeout_ms=100, max_records=10_000).values():
            for m in messages:
                self.raw.append((m.key, m.value, m.partition, m.offset))
                self.records.append(json.loads(m.value))

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            if predicate(self.records):
                return self.records
        raise AssertionError(f"timed out; saw {len(self.records)} records")

    def settle(self, seconds: float = 1.0) -> list[dict[str, Any]]:
        """Keep reading for a while, so that a duplicate would have shown up."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll()
        return self.records

    def close(self) -> None:
        self._consumer.close()


def end_held_contacts(settings: Settings, prefix: str) -> int:
    """End every contact whose id starts with ``prefix`` that the assigners still hold
    (queued or offered), straight on their input: a test that leaves a queue behind
    in the shared pools would otherwise hand it to the next test's agents."""
    changelog = changelog_topic(settings.assigner.app_id)
    bootstrap = settings.kafka.bootstrap_servers
    held = {
        interaction: (pool, record)
        for interaction, (pool, record) in held_contact_records(bootstrap, changelog).items()
        if interaction.startswith(prefix) and record.get("state") != "assigned"
    }
    produce(
        bootstrap,
        topic("omniroute.assigner-input").name,
        (
            (
                pool.encode(),
                InteractionUpdate(
                    id=new_event_id(),
                    source="/tests/cleanup",
                    pool=pool,
                    interaction_id=interaction,
                    customer_id=str(record["customer_id"]),
                    update="ended",
                    cause_id=f"cleanup-{interaction}",
                )
                .model_dump_json()
                .encode(),
            )
            for interaction, (pool, record) in held.items()
        ),
    )
    return len(held)
