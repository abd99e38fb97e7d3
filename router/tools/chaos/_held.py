"""What the assigners hold at the end of a run, contact by contact, read from their
state changelog: the record a takeover rebuilds a pool from, so it is what the
system itself would still serve.

The books used to compare a *count* (the queue-depth gauge) with the unresolved
contacts. That could not tell an offer still open at the end (not in the gauge)
from a lost contact, nor a held good contact from a held hostile one (the fuzz
queues both in the same pools). Matching ids makes "lost" exact.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

__all__ = ["held_contact_records", "held_contacts", "latest_contacts"]

HeldContact = tuple[str, Mapping[str, Any]]
"""(pool, the contact's changelog record)."""


def latest_contact_records(
    records: list[tuple[bytes | None, bytes | None]],
) -> dict[str, HeldContact]:
    """Interaction id -> (pool, record) of the contacts the changelog ``(key, value)``
    records hold at their end; a tombstone lets one go."""
    held: dict[str, HeldContact] = {}
    for raw_key, value in records:
        if raw_key is None:
            continue
        key = json.loads(raw_key)
        if not isinstance(key, str):
            continue
        parts = key.split("|", 2)
        if len(parts) != 3 or parts[1] != "c":
            continue
        record = None if value is None else json.loads(value)
        pool, interaction = parts[0], parts[2]
        before = held.get(interaction)
        if isinstance(record, Mapping):
            # A contact handed to another pool has two records: the tombstone the
            # first pool keeps ("moved") and the live one; the live one is what counts.
            moved = record.get("state") == "moved"
            if not (moved and before is not None and before[0] != pool):
                held[interaction] = (pool, record)
        elif before is not None and before[0] == pool:
            held.pop(interaction, None)
    return held


def latest_contacts(records: list[tuple[bytes | None, bytes | None]]) -> dict[str, str]:
    """Interaction id -> state ("queued", "offered", "assigned") of the contacts the
    changelog ``(key, value)`` records hold at their end."""
    return _states(latest_contact_records(records))


def _states(held: Mapping[str, HeldContact]) -> dict[str, str]:
    return {interaction: str(record.get("state")) for interaction, (_, record) in held.items()}


def held_contacts(bootstrap: str, changelog: str, *, timeout: float = 30.0) -> dict[str, str]:
    """Interaction id -> state of every contact the changelog holds."""
    return _states(held_contact_records(bootstrap, changelog, timeout=timeout))


def held_contact_records(
    bootstrap: str, changelog: str, *, timeout: float = 30.0
) -> dict[str, HeldContact]:
    """Every contact the changelog holds, with its pool, read to each partition's
    fetch high watermark (never ``end_offsets()``: the embedded broker answers it
    short)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [
            TopicPartition(changelog, p)
            for p in sorted(consumer.partitions_for_topic(changelog) or ())
        ]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[tuple[bytes | None, bytes | None]] = []
        remaining = set(partitions)
        polls = int(timeout / 0.2)
        for _ in range(polls):
            for messages in consumer.poll(timeout_ms=200, max_records=10_000).values():
                records += [(m.key, m.value) for m in messages]
            for tp in list(remaining):
                high = consumer.highwater(tp)
                if high is not None and consumer.position(tp) >= high:
                    remaining.discard(tp)
            if not remaining:
                return latest_contact_records(records)
        raise TimeoutError(f"changelog {changelog} not read to its end in {timeout:g} s")
    finally:
        consumer.close()
