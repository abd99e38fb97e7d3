"""Transfers through the SDKs on live workers (router and assigner on the embedded
broker and Redis): a cold transfer across pools that keeps the customer, the note,
who transferred it and its place; a warm transfer the other agent rejects, which
stays with the first agent, nothing lost or doubled."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator

import pytest
import redis

from omniroute.router.runtime import Settings
from omniroute.router.sdk import AgentDesktop, FrontEndClient
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, CustomerProfile, Offer, OfferAssigned, Tier

pytestmark = [pytest.mark.kafka, pytest.mark.redis]


@contextlib.contextmanager
def _logged_out_after(*desks: AgentDesktop) -> Iterator[None]:
    """Agents left ready in the shared pools would take the next tests' contacts."""
    try:
        yield
    finally:
        for desk in desks:
            desk.logout()


def _customer(client: redis.Redis, customer_id: str, name: str) -> str:
    # Silver: billing goes to the billing team, not to automation; faults to technical.
    profile = CustomerProfile(customer_id=customer_id, name=name, tier=Tier.SILVER, arpu=80.0)
    client.set(f"cust:{customer_id}", profile.model_dump_json())
    return customer_id


def _serve_until(desk: AgentDesktop, wanted: Iterable[str], timeout: float = 40) -> list[Offer]:
    """Every offer the agent gets until all of ``wanted`` came, in order; each is
    accepted and completed (contacts earlier tests left queued in the shared pools
    are served the same way, so they cannot hold the agent's capacity)."""
    missing = set(wanted)
    got: list[Offer] = []
    for offer in desk.offers(timeout=timeout):
        got.append(offer)
        desk.accept(offer)
        assert isinstance(desk.wait_for(offer.offer_id, timeout=20), OfferAssigned)
        desk.complete(offer)
        missing.discard(offer.interaction_id)
        if not missing:
            return got
    raise AssertionError(f"never offered {sorted(missing)}; got {[o.interaction_id for o in got]}")


def _accepted(desk: AgentDesktop, interaction_id: str) -> Offer:
    """The offer for this contact, accepted (others before it served and completed)."""
    for offer in desk.offers(timeout=40):
        desk.accept(offer)
        assert isinstance(desk.wait_for(offer.offer_id, timeout=20), OfferAssigned)
        if offer.interaction_id == interaction_id:
            return offer
        desk.complete(offer)
    raise AssertionError(f"no offer for {interaction_id}")


def test_a_cold_transfer_to_another_pool_keeps_context_note_and_place(
    stack_settings: Settings,
    redis_client: redis.Redis,
    router_worker: WorkerProcess,
    assigner_worker: WorkerProcess,
) -> None:
    bootstrap = stack_settings.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    billing = _customer(redis_client, f"cx-{run}", "Grace Hopper")
    faults = [_customer(redis_client, f"ct{n}-{run}", f"Later {n}") for n in range(2)]
    with (
        AgentDesktop(bootstrap, agent_id=f"ta-{run}", pool="care") as first,
        AgentDesktop(bootstrap, agent_id=f"tb-{run}", pool="tech") as second,
        FrontEndClient(bootstrap, source="/ivr/transfers") as ivr,
    ):
        first.login(queues=["billing"], skills={"billing": 5}, capacity={Channel.VOICE: 1})
        second.login(
            queues=["technical"], skills={"technical": 5}, capacity={Channel.VOICE: 1}, ready=False
        )
        with _logged_out_after(first, second):
            _cold_transfer(first, second, ivr, billing, faults)


def _cold_transfer(
    first: AgentDesktop,
    second: AgentDesktop,
    ivr: FrontEndClient,
    billing: str,
    faults: list[str],
) -> None:
    contact = ivr.arrived(billing, Channel.VOICE, reason="billing")
    assert ivr.decision_for(contact.interaction_id, timeout=20).queue == "billing"
    offer = _accepted(first, contact.interaction_id)
    assert offer.customer.name == "Grace Hopper"

    later = [ivr.arrived(c, Channel.VOICE, reason="technical_fault") for c in faults]
    for event in later:
        decision = ivr.decision_for(event.interaction_id, timeout=20)
        assert (decision.queue, decision.pool) == ("technical", "tech")

    transfer_id = first.transfer(
        offer,
        to_queue="technical",
        to_pool="tech",
        note="modem fault, not billing",
        priority=40,  # the technical queue's
        skills={"technical": 4},
    )
    result = first.wait_for_transfer(transfer_id, timeout=20)
    assert (result.outcome, result.from_queue, result.to_queue) == (
        "handed_over",
        "billing",
        "technical",
    )

    second.ready()
    served = _serve_until(second, [contact.interaction_id, *(e.interaction_id for e in later)])
    order = [o.interaction_id for o in served]
    moved = served[order.index(contact.interaction_id)]
    assert order.index(contact.interaction_id) < min(order.index(e.interaction_id) for e in later)
    assert moved.customer.name == "Grace Hopper"
    assert moved.reason == "billing"
    assert moved.enqueued_at == offer.enqueued_at, "its original queue entry counts"
    assert moved.queue == "technical"
    assert moved.attempt == offer.attempt + 1, "its offers go on counting: ids stay unique"
    assert [(e.kind, e.name) for e in moved.explanation] == [("transfer", "transfer")]
    [info] = moved.transfers
    assert (info.from_agent, info.from_queue, info.from_pool, info.note, info.mode) == (
        first.agent_id,
        "billing",
        "care",
        "modem fault, not billing",
        "cold",
    )


def test_a_warm_transfer_the_other_agent_rejects_stays_with_the_first(
    stack_settings: Settings,
    redis_client: redis.Redis,
    router_worker: WorkerProcess,
    assigner_worker: WorkerProcess,
) -> None:
    bootstrap = stack_settings.kafka.bootstrap_servers
    run = uuid.uuid4().hex[:6]
    customer = _customer(redis_client, f"cw-{run}", "Alan Turing")
    with (
        AgentDesktop(bootstrap, agent_id=f"wa-{run}", pool="care") as first,
        AgentDesktop(bootstrap, agent_id=f"wc-{run}", pool="care") as other,
        FrontEndClient(bootstrap, source="/ivr/transfers") as ivr,
    ):
        first.login(queues=["billing"], skills={"billing": 5}, capacity={Channel.VOICE: 1})
        with _logged_out_after(first, other):
            _warm_transfer_declined(first, other, ivr, customer, run)


def _warm_transfer_declined(
    first: AgentDesktop, other: AgentDesktop, ivr: FrontEndClient, customer: str, run: str
) -> None:
    contact = ivr.arrived(customer, Channel.VOICE, reason="billing")
    offer = _accepted(first, contact.interaction_id)
    # The other agent serves a queue of its own, so only this transfer reaches it.
    other.login(queues=[f"warm-{run}"], skills={}, capacity={Channel.VOICE: 1})
    transfer_id = first.transfer(offer, to_agent=other.agent_id, warm=True, note="consult")
    consult = next(iter(other.offers(timeout=30)))
    assert consult.interaction_id == contact.interaction_id
    [info] = consult.transfers
    assert (info.from_agent, info.mode, info.note) == (first.agent_id, "warm", "consult")
    other.reject(consult, note="not mine")
    result = first.wait_for_transfer(transfer_id, timeout=20)
    assert (result.outcome, result.to_agent) == ("declined", other.agent_id)
    # Still the first agent's: completing it frees the first agent, who then takes
    # the next billing contact; the other agent is never offered it again.
    first.complete(offer)
    follow = ivr.arrived(customer, Channel.VOICE, reason="payment")
    _accepted(first, follow.interaction_id)
    assert contact.interaction_id not in {o.interaction_id for o in other.offers(timeout=1)}
    assert first.assigned[offer.offer_id].interaction_id == contact.interaction_id
