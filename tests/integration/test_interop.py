"""Clients omniroute did not write, on the live stack (issue 14): librdkafka through
confluent-kafka with every codec, and the CloudEvents SDK's Kafka binding in both
modes. Every event gets exactly one decision; a correlation id comes back."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from cloudevents.core.bindings.kafka import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, InteractionArrived, new_event_id

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]

INTERACTIONS = "omniroute.interactions"
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def _decisions(
    bootstrap: str, wanted: set[str], settle: float = 1.5
) -> dict[str, list[tuple[dict[str, Any], dict[str, bytes]]]]:
    """Decisions for ``wanted`` read with librdkafka, with their headers."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"t-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition("omniroute.decisions", p, OFFSET_BEGINNING) for p in range(3)])
    found: dict[str, list[tuple[dict[str, Any], dict[str, bytes]]]] = {i: [] for i in wanted}
    deadline, settled = time.monotonic() + 60, None
    try:
        while time.monotonic() < deadline and (settled is None or time.monotonic() < settled):
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                decision = json.loads(message.value() or b"null")
                if decision["interaction_id"] in found:
                    raw = message.headers() or []
                    pairs = list(raw.items()) if isinstance(raw, dict) else raw
                    headers = {name: value for name, value in pairs if isinstance(value, bytes)}
                    found[decision["interaction_id"]].append((decision, headers))
            if settled is None and all(found.values()):
                settled = time.monotonic() + settle
    finally:
        consumer.close()
    return found


def _arrival(run: str, n: int) -> InteractionArrived:
    return InteractionArrived(
        id=new_event_id(),
        source="/tests/interop",
        interaction_id=f"it-{run}-{n}",
        customer_id=f"c-{run}-{n}",
        channel=Channel.WEB,
    )


def test_librdkafka_with_every_codec_gets_one_decision_per_event(
    private_stack: Settings, private_router: WorkerProcess
) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    wanted: dict[str, str] = {}
    for codec in CODECS:
        producer = Producer({"bootstrap.servers": bootstrap, "compression.type": codec})
        for n in range(5):
            event = _arrival(f"{run}-{codec}", n)
            wanted[event.interaction_id] = codec
            producer.produce(
                INTERACTIONS,
                key=event.customer_id.encode(),
                value=event.model_dump_json().encode(),
                headers=[("correlation_id", f"corr-{event.interaction_id}".encode())],
            )
        assert producer.flush(30) == 0, codec
    found = _decisions(bootstrap, set(wanted))
    assert {i: len(d) for i, d in found.items()} == dict.fromkeys(wanted, 1)
    for interaction, [(decision, headers)] in found.items():
        assert decision["customer_id"].startswith("c-"), wanted[interaction]
        assert headers["correlation_id"] == f"corr-{interaction}".encode()
    assert private_router.alive()


def test_cloudevents_binary_and_structured_modes_get_one_decision_per_event(
    private_stack: Settings, private_router: WorkerProcess
) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    producer = Producer({"bootstrap.servers": bootstrap})
    wanted: dict[str, str] = {}
    for mode, to_kafka in (("binary", to_binary), ("structured", to_structured)):
        for n in range(5):
            event = _arrival(f"{run}-{mode}", n)
            envelope = json.loads(event.model_dump_json())
            attributes = {k: envelope.pop(k) for k in ("id", "source", "type")}
            envelope.pop("specversion")
            envelope.pop("time")
            cloud_event = CloudEvent(
                attributes={
                    **attributes,
                    "time": event.time,
                    "datacontenttype": "application/json",
                    "partitionkey": event.customer_id,
                    "correlationid": f"corr-{event.interaction_id}",
                },
                data=envelope,
            )
            message = to_kafka(cloud_event, JSONFormat())
            sent: list[tuple[str, str | bytes | None]] = list(message.headers.items())
            if mode == "structured":  # the extension travels inside the value there
                sent.append(("correlation_id", f"corr-{event.interaction_id}".encode()))
            producer.produce(INTERACTIONS, key=message.key, value=message.value, headers=sent)
            wanted[event.interaction_id] = mode
    assert producer.flush(30) == 0
    found = _decisions(bootstrap, set(wanted))
    assert {i: len(d) for i, d in found.items()} == dict.fromkeys(wanted, 1)
    for interaction, [(decision, back)] in found.items():
        assert decision["channel"] == "web", wanted[interaction]
        assert back["correlation_id"] == f"corr-{interaction}".encode(), wanted[interaction]
    assert private_router.alive()
