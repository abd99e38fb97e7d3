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
        contact = ivr.arrived(customer, Channel.VOICE, reason="billing")
        decision = ivr.decision_for(contact.interaction_id, timeout=20)
        assert decision.queue == "priority"

        offer = _offer_for(first, contact.interaction_id)
        assert offer.customer.name == "Ada Lovelace"
        assert offer.reason == "billing"
        second.login(queues=["priority"], skills={}, capacity={Channel.VOICE: 1})
        first.reject(offer, note="wrong language")

        # The two agents' events reach the pool in either order: if the reject comes
        # first, the contact may be offered back to the first agent, who declines again.
        again = None
        deadline = time.monotonic() + 60
        while again is None and time.monotonic() < deadline:
            for candidate in second.offers(timeout=0.5):
                again = candidate
                break
            for back in first.offers(timeout=0.2):
                if back.interaction_id == contact.interaction_id:
                    first.reject(back, note="still wrong language")
        assert again is not None, "the next agent never got the contact"
        assert again.interaction_id == contact.interaction_id
        assert again.enqueued_at == offer.enqueued_at, "the queue-entry time is kept"
        assert again.attempt > offer.attempt
        second.accept(again)
        answer = second.wait_for(again.offer_id, timeout=20)
        assert isinstance(answer, OfferAssigned)
        assert answer.enqueued_at == offer.enqueued_at
        second.complete(again)
