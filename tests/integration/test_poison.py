"""Poison pills on the live stack: records too large to route and record batches
that cannot be decoded never stop routing, on any partition (issue 10 item 1,
issue 14). Each bad record gets a dead letter the broker accepted."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.request
import uuid
from typing import Any

import pytest
from kafka import KafkaProducer

from omniroute.router.runtime import Settings
from omniroute.router.sdk import partition_for
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, InteractionArrived, new_event_id
from tests.support.kafka import TopicReader
from tests.support.raw_batches import batch, claiming_codec, send_raw, with_bad_crc

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]

INTERACTIONS = "omniroute.interactions"
PARTITIONS = 3


def keys_by_partition(run: str) -> dict[int, bytes]:
    """One customer key landing on each partition."""
    keys: dict[int, bytes] = {}
    n = 0
    while len(keys) < PARTITIONS:
        key = f"c-{run}-{n}".encode()
        keys.setdefault(partition_for(key, PARTITIONS), key)
        n += 1
    return keys


def arrival(key: bytes) -> tuple[bytes, bytes, str]:
    event = InteractionArrived(
        id=new_event_id(),
        source="/tests/poison",
        interaction_id=f"it-{uuid.uuid4().hex[:12]}",
        customer_id=key.decode(),
        channel=Channel.CHAT,
    )
    return key, event.model_dump_json().encode(), event.interaction_id


def healthz(settings: Settings) -> int:
    url = f"http://127.0.0.1:{settings.metrics_port}/healthz"
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


def decisions_for(
    reader: TopicReader, wanted: set[str], settle: float = 1.5
) -> dict[str, list[dict[str, Any]]]:
    reader.wait_for(lambda records: wanted <= {r["interaction_id"] for r in records}, 60)
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in wanted}
    for record in reader.settle(settle):
        if record["interaction_id"] in wanted:
            found[record["interaction_id"]].append(record)
    return found


def test_oversized_records_are_dead_lettered_and_every_partition_keeps_routing(
    private_stack: Settings, private_router: WorkerProcess
) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    keys = keys_by_partition(uuid.uuid4().hex[:6])
    decisions = TopicReader(bootstrap, "omniroute.decisions")
    letters = TopicReader(bootstrap, "omniroute.deadletter")
    producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=16 * 1024 * 1024)
    good: set[str] = set()
    try:
        for key in keys.values():
            for _ in range(3):
                k, value, interaction = arrival(key)
                producer.send(INTERACTIONS, key=k, value=value)
                good.add(interaction)
        producer.flush()
        huge = bytes(range(256)) * (10_000_000 // 256) + b"x" * (10_000_000 % 256)
        large = b"y" * 900_000
        bad = {
            "10MB": (keys[0], huge, producer.send(INTERACTIONS, key=keys[0], value=huge)),
            "900KB": (keys[1], large, producer.send(INTERACTIONS, key=keys[1], value=large)),
        }
        producer.flush()
        for key in keys.values():
            for _ in range(3):
                k, value, interaction = arrival(key)
                producer.send(INTERACTIONS, key=k, value=value)
                good.add(interaction)
        producer.flush()
        positions = {
            name: (meta.partition, meta.offset)
            for name, (_, _, future) in bad.items()
            for meta in [future.get(timeout=30)]
        }
    finally:
        producer.close()

    found = decisions_for(decisions, good)
    decisions.close()
    assert {i: len(d) for i, d in found.items()} == dict.fromkeys(good, 1), "one each"

    def letter_at(partition: int, offset: int) -> list[dict[str, Any]]:
        return [
            r
            for r in letters.records
            if r["original_partition"] == partition and r["original_offset"] == offset
        ]

    letters.wait_for(lambda _: all(letter_at(*p) for p in positions.values()), 30)
    letters.close()
    for name, (key, value, _) in bad.items():
        (letter,) = letter_at(*positions[name])
        assert letter["reason"] == "oversized", name
        assert letter["original_size"] == len(value), name
        assert letter["original_sha256"] == hashlib.sha256(value).hexdigest(), name
        assert letter["original_truncated"] is True, name
        prefix = base64.b64decode(letter["original_value_b64"])
        assert len(prefix) == 64 * 1024, name
        assert prefix == value[: len(prefix)], name
        assert base64.b64decode(letter["original_key_b64"]) == key, name
        assert len(json.dumps(letter)) < 1024 * 1024, name
    assert private_router.alive()
    assert healthz(private_stack) == 200


def test_undecodable_batches_are_dead_lettered_and_every_partition_keeps_routing(
    private_stack: Settings, private_router: WorkerProcess
) -> None:
    bootstrap = private_stack.kafka.bootstrap_servers
    keys = keys_by_partition(uuid.uuid4().hex[:6])
    decisions = TopicReader(bootstrap, "omniroute.decisions")
    letters = TopicReader(bootstrap, "omniroute.deadletter")
    good: set[str] = set()

    def good_batch(key: bytes, count: int = 3) -> bytes:
        events = [arrival(key) for _ in range(count)]
        good.update(interaction for _, _, interaction in events)
        return batch([(k, v) for k, v, _ in events])

    # Per partition, in one append: good records, the bad batch, good records, so
    # the consumer meets the bad batch in the same fetch as the good ones around it.
    corrupt = {
        0: with_bad_crc(batch([(keys[0], b"crc-1"), (keys[0], b"crc-2")])),
        1: claiming_codec(batch([(keys[1], b"not snappy at all")] * 4), codec=2),
        2: claiming_codec(batch([(keys[2], b"not zstd either")] * 2), codec=4),
    }
    for partition, bad in corrupt.items():
        key = keys[partition]
        error = send_raw(bootstrap, INTERACTIONS, partition, good_batch(key), bad, good_batch(key))
        assert error == 0, f"the broker refused the raw batches on {partition}: {error}"

    found = decisions_for(decisions, good)
    decisions.close()
    assert {i: len(d) for i, d in found.items()} == dict.fromkeys(good, 1), "one each"

    def undecodable(partition: int) -> list[dict[str, Any]]:
        return [
            r
            for r in letters.records
            if r["reason"] == "undecodable_batch" and r["original_partition"] == partition
        ]

    letters.wait_for(lambda _: all(undecodable(p) for p in corrupt), 30)
    letters.settle(1.0)
    letters.close()
    for partition, bad in corrupt.items():
        (letter,) = undecodable(partition)
        assert letter["original_size"] == len(bad)
        # The broker assigns the base offset and leader epoch; the rest is as written.
        assert base64.b64decode(letter["original_value_b64"])[16:] == bad[16:]
        assert letter["original_topic"] == INTERACTIONS
        assert "cannot be decoded" in letter["detail"]
    assert private_router.alive()
    assert healthz(private_stack) == 200
