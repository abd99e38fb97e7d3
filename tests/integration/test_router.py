"""The router on the real broker and real Redis, run as an operator runs it."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from kafka import TopicPartition

from omniroute.router.runtime import Settings
from omniroute.router.sdk import partition_for
from omniroute.router.tools.harness import WorkerProcess, committed_offsets, group_caught_up
from omniroute.schemas import (
    Channel,
    CustomerProfile,
    InteractionArrived,
    RecentContacts,
    Tier,
    new_event_id,
)
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

INTERACTIONS = "omniroute.interactions"


def _arrival(customer: str, channel: Channel, **extra: Any) -> InteractionArrived:
    return InteractionArrived(
        id=new_event_id(),
        source="/tests",
        interaction_id=f"it-{uuid.uuid4().hex[:12]}",
        customer_id=customer,
        channel=channel,
        **extra,
    )


def _send(settings: Settings, *events: InteractionArrived) -> None:
    produce(
        settings.kafka.bootstrap_servers,
        INTERACTIONS,
        [(e.customer_id.encode(), e.model_dump_json().encode()) for e in events],
    )


def _seed(client: redis.Redis, *profiles: CustomerProfile) -> None:
    client.mset({f"cust:{p.customer_id}": p.model_dump_json() for p in profiles})


def test_each_channel_gets_exactly_one_decision_with_the_tier_from_redis(
    stack_settings: Settings, redis_client: redis.Redis, router_worker: WorkerProcess
) -> None:
    tiers = [Tier.VIP, Tier.STANDARD, Tier.GOLD, Tier.SILVER, Tier.STANDARD, Tier.VIP]
    run = uuid.uuid4().hex[:6]
    profiles = {
        channel: CustomerProfile(customer_id=f"c-{run}-{channel.value}", name="Test", tier=tier)
        for channel, tier in zip(Channel, tiers, strict=True)
    }
    _seed(redis_client, *profiles.values())
    events = {channel: _arrival(p.customer_id, channel) for channel, p in profiles.items()}
    reader = TopicReader(stack_settings.kafka.bootstrap_servers, "omniroute.decisions")
    _send(stack_settings, *events.values())

    wanted = {e.interaction_id for e in events.values()}

    def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in records if r["interaction_id"] in wanted]

    reader.wait_for(lambda records: len(mine(records)) >= len(wanted))
    decisions = mine(reader.settle(1.5))
    reader.close()

    assert sorted(d["interaction_id"] for d in decisions) == sorted(wanted), "one per event"
    for channel, event in events.items():
        (decision,) = [d for d in decisions if d["interaction_id"] == event.interaction_id]
        assert decision["channel"] == channel.value
        assert decision["cause_id"] == event.id
        assert decision["customer"]["known"] is True
        assert decision["customer"]["tier"] == profiles[channel].tier.value
        assert decision["degraded"] is False
        assert decision["explanation"], "every decision explains itself"


BAD_RECORDS: dict[str, bytes] = {
    "not_json": b"{this is not json",
    "wrong_json_type": b'["an", "array"]',
    "unknown_type": json.dumps(
        {
            "type": "omniroute.interaction.teleported",
            "id": "e-bad",
            "source": "/t",
            "interaction_id": "i",
            "customer_id": "c",
            "channel": "chat",
        }
    ).encode(),
    "missing_field": json.dumps(
        {
            "type": "omniroute.interaction.arrived",
            "id": "e-bad",
            "source": "/t",
            "interaction_id": "i",
            "channel": "chat",
        }
    ).encode(),
    "unknown_channel": json.dumps(
        {
            "type": "omniroute.interaction.arrived",
            "id": "e-bad",
            "source": "/t",
            "interaction_id": "i",
            "customer_id": "c",
            "channel": "fax",
        }
    ).encode(),
    "unsupported_version": json.dumps(
        {
            "type": "omniroute.interaction.arrived",
            "id": "e-bad",
            "source": "/t",
            "interaction_id": "i",
            "customer_id": "c",
            "channel": "chat",
            "schema_version": 9,
        }
    ).encode(),
    "oversized": json.dumps(
        {
            "type": "omniroute.interaction.arrived",
            "id": "e-bad",
            "source": "/t",
            "interaction_id": "i",
            "customer_id": "c",
            "channel": "chat",
            "subject": "x" * 70_000,
        }
    ).encode(),
    "empty": b"",
}
EXPECTED_REASON = {
    "not_json": "not_json",
    "wrong_json_type": "invalid_value",
    "unknown_type": "unknown_type",
    "missing_field": "missing_field",
    "unknown_channel": "invalid_value",
    "unsupported_version": "unsupported_version",
    "oversized": "oversized",
    "empty": "not_json",
}


def test_every_kind_of_malformed_event_is_dead_lettered_and_routing_goes_on(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    run = uuid.uuid4().hex[:8]
    bootstrap = stack_settings.kafka.bootstrap_servers
    dead = TopicReader(bootstrap, "omniroute.deadletter")
    decisions = TopicReader(bootstrap, "omniroute.decisions")
    keys = {kind: f"bad-{run}-{kind}".encode() for kind in BAD_RECORDS}
    produce(bootstrap, INTERACTIONS, [(keys[kind], value) for kind, value in BAD_RECORDS.items()])
    good = _arrival(f"c-{run}-after", Channel.CHAT)
    _send(stack_settings, good)

    def mine(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        by_key = {
            base64.b64decode(r["original_key_b64"]): r for r in records if r["original_key_b64"]
        }
        return {kind: by_key[key] for kind, key in keys.items() if key in by_key}

    letters = mine(dead.wait_for(lambda records: len(mine(records)) == len(keys)))
    decisions.wait_for(lambda rs: any(r["interaction_id"] == good.interaction_id for r in rs))
    dead.close()
    decisions.close()

    assert router_worker.alive()
    for kind, letter in letters.items():
        assert letter["reason"] == EXPECTED_REASON[kind], kind
        assert letter["detail"], kind
        assert letter["stage"] == "router"
        assert letter["original_topic"] == INTERACTIONS
        assert letter["original_offset"] >= 0
        original = BAD_RECORDS[kind]
        # Whole when small; a prefix with the size and digest of the whole when large.
        assert original.startswith(base64.b64decode(letter["original_value_b64"])), kind
        assert letter["original_truncated"] is (len(original) > 64 * 1024), kind
        assert letter["original_size"] == len(original), kind
        assert letter["original_sha256"] == hashlib.sha256(original).hexdigest(), kind
    assert {e["loc"] for e in letters["missing_field"]["errors"]} == {"customer_id"}
    assert {e["loc"] for e in letters["unknown_channel"]["errors"]} == {"channel"}


def _has_decision_for(interaction_id: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda records: any(r["interaction_id"] == interaction_id for r in records)


def test_history_grows_by_one_per_routed_contact_and_stays_bounded(
    stack_settings: Settings, redis_client: redis.Redis, router_worker: WorkerProcess
) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    _seed(redis_client, CustomerProfile(customer_id=customer, name="Hist", tier=Tier.STANDARD))
    kept = stack_settings.router.recent_contacts_kept
    reader = TopicReader(stack_settings.kafka.bootstrap_servers, "omniroute.decisions")

    def history() -> list[str]:
        raw = redis_client.get(f"recent:{customer}")
        if raw is None:
            return []
        return [c.interaction_id for c in RecentContacts.model_validate_json(raw).contacts]

    sent: list[str] = []
    for n in range(kept + 3):
        event = _arrival(customer, list(Channel)[n % len(Channel)])
        _send(stack_settings, event)
        sent.append(event.interaction_id)
        reader.wait_for(_has_decision_for(event.interaction_id))
        assert history() == sent[-kept:], f"after contact {n + 1}"
    assert len(history()) == kept
    assert redis_client.ttl(f"recent:{customer}") > 0, "history expires"
    reader.close()


def test_the_router_group_is_caught_up_once_it_has_committed_what_it_was_sent(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    """``group_caught_up``, what the demo waits on before it reads the insight figures
    (and ``committed_offsets``, the fuzz's): committed to the fetch high watermark,
    not a quiet spell; a group that never committed what a topic holds is behind."""
    bootstrap = stack_settings.kafka.bootstrap_servers
    group = stack_settings.router.group_id
    count = stack_settings.kafka.partitions
    customers = {partition_for(f"c-{n}".encode(), count): f"c-{n}" for n in range(100)}
    assert len(customers) == count, "a customer on every partition"
    # Password resets go to self-service: nothing is left queued for later tests' agents.
    resets = [_arrival(c, Channel.CHAT, reason="password_reset") for c in customers.values()]
    _send(stack_settings, *resets, *resets)  # two records on every partition
    deadline = time.monotonic() + 30
    while not group_caught_up(bootstrap, group, [INTERACTIONS]):
        assert time.monotonic() < deadline, "the router never committed what it was sent"
        time.sleep(0.2)
    assert not group_caught_up(bootstrap, f"never-committed-{uuid.uuid4().hex}", [INTERACTIONS])
    partitions = [TopicPartition(INTERACTIONS, p) for p in range(count)]
    committed = committed_offsets(bootstrap, group, partitions)
    assert set(committed) == set(partitions)
    assert all(offset >= 2 for offset in committed.values()), committed
