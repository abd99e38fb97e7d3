"""Reading the insight stage's state: its changelog, every partition to the fetch high
watermark, the latest record per key (the topic is compacted; the embedded broker
never compacts, so the reader keeps the last one itself)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from omniroute.router.policy import ContactFigures

from ._figures import FigureKey, InsightFigures

__all__ = ["read_figures", "read_state"]


def read_state(
    bootstrap_servers: str,
    topic: str,
    timeout: float = 30.0,
    kafka_config: Mapping[str, Any] | None = None,
) -> dict[str, object]:
    """The latest value per key of ``topic`` (tombstones drop the key). ``kafka_config``:
    kafka-python's security options, the operator's login on a secured cluster."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        group_id=None,
        **(kafka_config or {}),
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        latest: dict[str, object] = {}
        deadline = time.monotonic() + timeout
        done: set[TopicPartition] = set()
        while len(done) < len(partitions) and time.monotonic() < deadline:
            for messages in consumer.poll(timeout_ms=300, max_records=10_000).values():
                for message in messages:
                    if message.key is None:
                        continue
                    key = str(json.loads(message.key))
                    if message.value is None or message.value == b"null":
                        latest.pop(key, None)
                    else:
                        latest[key] = json.loads(message.value)
            for tp in partitions:
                high = consumer.highwater(tp)
                if high is not None and consumer.position(tp) >= high:
                    done.add(tp)
        if len(done) < len(partitions):
            raise TimeoutError(f"{topic}: not read to its end in {timeout:.0f} s")
        return latest
    finally:
        consumer.close()


def read_figures(
    bootstrap_servers: str,
    topic: str,
    timeout: float = 30.0,
    kafka_config: Mapping[str, Any] | None = None,
) -> InsightFigures:
    """The insight stage's figures, summed over the partitions that counted them."""
    figures = InsightFigures()
    for key, value in read_state(bootstrap_servers, topic, timeout, kafka_config).items():
        if not isinstance(value, dict):
            continue
        parts = key.split("|")
        if parts[0] == "agg" and len(parts) == 5:
            figures.add(FigureKey(parts[2], parts[3], parts[4]), ContactFigures.from_dict(value))
        elif parts[0] == "wait" and len(parts) == 4:
            figures.add_wait(parts[2], parts[3], ContactFigures.from_dict(value))
    return figures
