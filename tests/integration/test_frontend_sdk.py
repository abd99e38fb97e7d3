"""The front-end SDK against the running router: publish a contact, get its decision."""

from __future__ import annotations

import uuid

import pytest
import redis

from omniroute.router.runtime import Settings
from omniroute.router.sdk import FrontEndClient
from omniroute.router.tools import WorkerProcess
from omniroute.schemas import Channel, ContactTarget, CustomerProfile, Tier

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
