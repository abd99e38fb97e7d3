"""Assignment through the SDKs, on the real broker, with router and assigner workers."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from omniroute.router.runtime import Settings
from omniroute.router.sdk import AgentDesktop, FrontEndClient
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, CustomerProfile, Offer, OfferAssigned, Tier

pytestmark = [pytest.mark.kafka, pytest.mark.redis]


def _offer_for(desk: AgentDesktop, interaction_id: str) -> Offer:
    """The offer for this test's contact. Contacts that earlier tests left queued in
    the shared pool are served (accepted and completed) so they cannot hold the
    agent's capacity, whatever order the tests run in."""
    for offer in desk.offers(timeout=30):
        if offer.interaction_id == interaction_id:
            return offer
        desk.accept(offer)
        desk.wait_for(offer.offer_id, timeout=20)
        desk.complete(offer)
    raise AssertionError(f"no offer for {interaction_id}")


def _offered_to_either(
    first: AgentDesktop, second: AgentDesktop, interaction_id: str
) -> tuple[Offer, AgentDesktop, AgentDesktop]:
    """The offer for this contact, whichever of the two agents gets it (earlier tests'
    leftovers are served on the way), with that agent and the other."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for desk, other in ((first, second), (second, first)):
            for offer in desk.offers(timeout=0.3):
                if offer.interaction_id == interaction_id:
                    return offer, desk, other
                desk.accept(offer)
                desk.wait_for(offer.offer_id, timeout=20)
                desk.complete(offer)
    raise AssertionError(f"no offer for {interaction_id}")


def test_a_rejected_offer_goes_to_the_next_agent_keeping_its_queue_entry_time(
    stack_settings: Settings,
    redis_client: redis.Redis,
    router_worker: WorkerProcess,
    assigner_worker: WorkerProcess,
) -> None:
    bootstrap = stack_settings.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    customer = f"c-{run}"
    redis_client.set(
        f"cust:{customer}",
        CustomerProfile(customer_id=customer, name="Ada Lovelace", tier=Tier.VIP).model_dump_json(),
    )
    with (
        AgentDesktop(bootstrap, agent_id=f"a1-{run}", pool="care") as first,
        AgentDesktop(bootstrap, agent_id=f"a2-{run}", pool="care") as second,
        FrontEndClient(bootstrap, source="/ivr/test") as ivr,
    ):
        first.login(queues=["priority", "general"], skills={}, capacity={Channel.VOICE: 1})
        second.login(queues=["priority"], skills={}, capacity={Channel.VOICE: 1})
        contact = ivr.arrived(customer, Channel.VOICE, reason="billing")
        decision = ivr.decision_for(contact.interaction_id, timeout=20)
        assert decision.queue == "priority"

        # Both agents are ready: whoever is offered the contact declines it, and the
        # other gets it (the decliner is skipped while anyone else can take it).
        offer, decliner, other = _offered_to_either(first, second, contact.interaction_id)
        assert offer.customer.name == "Ada Lovelace"
        assert offer.reason == "billing"
        decliner.reject(offer, note="wrong language")
        again = _offer_for(other, contact.interaction_id)
        assert again.interaction_id == contact.interaction_id
        assert again.enqueued_at == offer.enqueued_at, "the queue-entry time is kept"
        assert again.attempt > offer.attempt
        other.accept(again)
        answer = other.wait_for(again.offer_id, timeout=20)
        assert isinstance(answer, OfferAssigned)
        assert answer.enqueued_at == offer.enqueued_at
        other.complete(again)
        back = [o for o in decliner.offers(timeout=0.5) if o.interaction_id == offer.interaction_id]
        assert back == [], "never offered back to the agent who declined it"
        first.logout()
        second.logout()
