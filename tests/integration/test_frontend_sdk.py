"""The front-end SDK against the running router: publish a contact, get its decision."""

from __future__ import annotations

import uuid

import pytest
import redis

from omniroute.router.runtime import Settings
from omniroute.router.sdk import ContractProducer, FrontEndClient, KeyedReader
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import (
    Channel,
    ContactTarget,
    CustomerProfile,
    RoutingDecision,
    Tier,
    topic,
)

pytestmark = [pytest.mark.kafka, pytest.mark.redis]


def test_a_front_end_publishes_a_contact_and_reads_its_decision(
    stack_settings: Settings, redis_client: redis.Redis, router_worker: WorkerProcess
) -> None:
    customer = f"c-sdk-{uuid.uuid4().hex[:6]}"
    redis_client.set(
        f"cust:{customer}",
        CustomerProfile(customer_id=customer, name="Grace", tier=Tier.VIP).model_dump_json(),
    )
    with FrontEndClient(stack_settings.kafka.bootstrap_servers, source="/ivr/test") as ivr:
        contact = ivr.arrived(customer, Channel.VOICE, reason="billing")
        decision = ivr.decision_for(contact.interaction_id, timeout=20)
    assert decision.cause_id == contact.id
    assert decision.target is ContactTarget.AGENT_QUEUE
    assert decision.customer.name == "Grace"
    assert decision.reason == "billing"


def test_a_redelivered_message_reaches_the_sdk_once(stack_settings: Settings) -> None:
    """Delivery is at least once: the same decision republished (a router that died
    after producing, before committing) carries the same id, and the SDK's reader
    drops it; a different message on the same key still comes through."""
    bootstrap = stack_settings.kafka.bootstrap_servers
    decisions = topic("omniroute.decisions")
    customer = f"c-dup-{uuid.uuid4().hex[:6]}"
    reader = KeyedReader(bootstrap, decisions.name, [customer.encode()], decisions.adapter)
    producer = ContractProducer(bootstrap)
    try:
        first = RoutingDecision.model_validate(
            {
                "id": f"d:{uuid.uuid4().hex}",
                "source": "/tests",
                "interaction_id": f"ix-{uuid.uuid4().hex[:8]}",
                "customer_id": customer,
                "channel": "voice",
                "cause_id": "e1",
                "cause_type": "omniroute.interaction.arrived",
                "target": "ivr",
                "policy_version": "t",
                "expected_cost": 0.36,
                "customer": {"customer_id": customer, "known": False},
            }
        )
        other = first.model_copy(update={"id": f"d:{uuid.uuid4().hex}"})
        for message in (first, first, other):
            producer.send(decisions.name, customer, message)
        seen = [m.id for m in reader.messages(timeout=3)]
    finally:
        producer.close()
        reader.close()
    assert seen == [first.id, other.id]
