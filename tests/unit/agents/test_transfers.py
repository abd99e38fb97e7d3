"""Transfers in the pool: cold and warm, to a queue or a named agent, within the
pool and to another; the contact keeps its customer, journey and place."""

from __future__ import annotations

from omniroute.agents import (
    AgentSpec,
    Contact,
    ContactAssigned,
    ContactHandedOver,
    ContactOverflowed,
    ContactState,
    Effect,
    OfferPlan,
    OfferRevocation,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
    TransferRequest,
    TransferSettled,
    agent_record,
    contact_record,
    handover_message,
)
from omniroute.schemas import Channel, CustomerContext, OverflowStep

VOICE = Channel.VOICE


def pool(name: str = "care") -> Pool:
    return Pool(
        PoolConfig(
            name=name,
            default_queue=QueueConfig(aging_per_second=1.0),
            offer_timeout_seconds=20,
            transfer_hold_seconds=30,
        )
    )


def agent(agent_id: str, *queues: str, ready: bool = True) -> AgentSpec:
    presence = Presence.READY if ready else Presence.NOT_READY
    return AgentSpec(agent_id, queues, {}, {VOICE: 1}, 1, presence)


def contact(iid: str, queue: str, at: float, priority: int = 30, offset: float = 0.0) -> Contact:
    customer = CustomerContext(customer_id=f"cust-{iid}", known=True, name="Ada Lovelace")
    return Contact(
        iid,
        f"cust-{iid}",
        queue,
        VOICE,
        priority,
        at,
        wait_offset=offset,
        reason="billing",
        automation_path=("ivr:menu",),
        customer=customer,
    )


def work(p: Pool, agent_id: str) -> dict[str, Channel]:
    found = p.agent(agent_id)
    assert found is not None
    return found.work


def offers(effects: list[Effect]) -> list[tuple[str, str]]:
    return [(e.interaction_id, e.agent_id) for e in effects if isinstance(e, OfferPlan)]


def settled(effects: list[Effect]) -> list[tuple[str, str]]:
    return [(e.agent_id, e.outcome) for e in effects if isinstance(e, TransferSettled)]


def assigned_to_a(p: Pool) -> None:
    """A serves billing and holds the billing contact ``c`` (queued at 0, 5 s of IVR)."""
    p.login(agent("a", "billing"), 0)
    p.enqueue(contact("c", "billing", 0.0, offset=5.0), 0)
    assert p.accept("a", "c", "c#1", 2)[0] == ContactAssigned("c#1", "a", "c", "billing", 0.0, 2.0)


def request(mode: str = "cold", **target: str) -> TransferRequest:
    return TransferRequest(
        transfer_id="t-1",
        agent_id="a",
        interaction_id="c",
        mode="warm" if mode == "warm" else "cold",
        note="modem fault, not billing",
        **target,  # type: ignore[arg-type]
    )


def test_a_cold_transfer_to_a_queue_keeps_context_journey_and_place() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "technical", ready=False), 3)
    p.enqueue(contact("later", "technical", 10.0), 10)  # same priority, arrived later
    effects = p.transfer(request(to_queue="technical"), 20)
    assert settled(effects) == [("a", "handed_over")]
    assert work(p, "a") == {}
    effects = p.set_presence("b", Presence.READY, 21)
    assert offers(effects) == [("c", "b")], "the older contact goes first"
    offer = next(e for e in effects if isinstance(e, OfferPlan))
    assert (offer.queue, offer.enqueued_at, offer.automation_seconds) == ("technical", 0.0, 5.0)
    assert offer.customer is not None
    assert offer.customer.name == "Ada Lovelace"
    assert offer.automation_path == ("ivr:menu",)
    assert offer.reason == "billing"
    [transfer] = offer.transfers
    assert (transfer.from_agent, transfer.from_queue, transfer.to_queue, transfer.note) == (
        "a",
        "billing",
        "technical",
        "modem fault, not billing",
    )
    assert offer.attempt == 2
    [why] = offer.explanation
    assert (why.kind, why.name) == ("transfer", "transfer")
    assert why.detail == (
        "cold transfer by a from billing (pool care) to technical: modem fault, not billing"
    )


def test_a_replayed_transfer_gets_the_same_answer_and_changes_nothing() -> None:
    p = pool()
    assigned_to_a(p)
    p.transfer(request(to_queue="technical"), 20)
    again = p.transfer(request(to_queue="technical"), 21)
    assert settled(again) == [("a", "handed_over")]
    assert len(p.contact("c").transfers) == 1  # type: ignore[union-attr]
    other = TransferRequest("t-2", "a", "c", to_queue="general")
    assert settled(p.transfer(other, 22)) == [("a", "refused")]


def test_a_warm_transfer_rejected_stays_with_the_first_agent() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "technical"), 3)
    effects = p.transfer(request("warm", to_queue="technical"), 20)
    assert offers(effects) == [("c", "b")]
    assert settled(effects) == []
    assert work(p, "a") == {"c": VOICE}, "A keeps the contact and its room"
    effects = p.reject("b", "c", "c#2", 25)
    assert settled(effects) == [("a", "declined")]
    assert offers(effects) == []
    c = p.contact("c")
    assert c is not None
    assert (c.state, c.agent_id, c.offer_id, c.queue, c.assigned_at) == (
        ContactState.ASSIGNED,
        "a",
        "c#1",
        "billing",
        2.0,
    )
    assert work(p, "b") == {}
    assert work(p, "a") == {"c": VOICE}
    assert p.complete_work("a", "c", 40) == []
    assert p.contact("c") is None


def test_a_warm_transfer_accepted_frees_the_first_agent() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "technical"), 3)
    p.transfer(request("warm", to_queue="technical"), 20)
    effects = p.accept("b", "c", "c#2", 22)
    assert settled(effects) == [("a", "completed")]
    assert work(p, "a") == {}
    assert work(p, "b") == {"c": VOICE}


def test_a_warm_transfer_left_to_time_out_returns_to_the_first_agent() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "technical"), 3)
    p.transfer(request("warm", to_queue="technical"), 20)
    effects = p.tick(40)
    assert [type(e) for e in effects] == [OfferRevocation, TransferSettled]
    assert p.contact("c").agent_id == "a"  # type: ignore[union-attr]


def test_a_warm_transfer_survives_a_restore() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "technical"), 3)
    p.transfer(request("warm", to_queue="technical"), 20)
    records = [contact_record(c) for c in p.contacts()]
    restored, _ = Pool.restore(p.config, records, [agent_record(a) for a in p.agents()], [], 21)
    assert work(restored, "a") == {"c": VOICE}
    assert settled(restored.reject("b", "c", "c#2", 22)) == [("a", "declined")]
    assert restored.contact("c").agent_id == "a"  # type: ignore[union-attr]


def test_a_transfer_to_an_absent_agent_falls_back_to_its_queue_after_the_hold() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("x", "technical", ready=False), 3)
    p.login(agent("y", "technical"), 4)
    effects = p.transfer(request(to_agent="x"), 20)
    assert offers(effects) == [], "held for x alone, though y is ready"
    assert p.next_timer() == 50.0
    assert offers(p.tick(49)) == []
    assert offers(p.tick(50)) == [("c", "y")]


def test_a_transfer_to_a_named_agent_who_becomes_ready_goes_to_that_agent() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("x", "technical", ready=False), 3)
    p.login(agent("y", "technical"), 4)
    p.transfer(request(to_agent="x"), 20)
    assert offers(p.set_presence("x", Presence.READY, 25)) == [("c", "x")]


def test_a_transfer_to_another_pool_hands_the_contact_over_and_keeps_a_trace() -> None:
    care, tech = pool("care"), pool("tech")
    assigned_to_a(care)
    effects = care.transfer(request(to_queue="technical", to_pool="tech"), 20)
    [handover] = [e for e in effects if isinstance(e, ContactHandedOver)]
    assert settled(effects) == [("a", "handed_over")]
    assert handover.to_pool == "tech"
    assert handover.agent_id == "a"
    assert care.contact("c").state is ContactState.MOVED  # type: ignore[union-attr]
    assert work(care, "a") == {}
    # A replay after a restart hands it over again; the receiving pool takes it once.
    replay = care.transfer(request(to_queue="technical", to_pool="tech"), 21)
    [again] = [e for e in replay if isinstance(e, ContactHandedOver)]
    assert handover_message(again, "s") == handover_message(handover, "s"), "same id, same body"
    tech.login(agent("b", "technical"), 0)
    got = tech.enqueue(handover.contact, 22)
    assert offers(got) == [("c", "b")]
    assert tech.enqueue(handover.contact, 23) == []
    offer = next(e for e in got if isinstance(e, OfferPlan))
    assert offer.enqueued_at == 0.0
    assert offer.transfers[0].from_pool == "care"
    assert offer.offer_id == "c#2", "a new offer id: the first pool's was c#1"
    assert care.end("c", 30) == []
    assert care.contact("c") is None


def test_a_warm_transfer_to_another_pool_is_refused() -> None:
    p = pool()
    assigned_to_a(p)
    effects = p.transfer(request("warm", to_queue="technical", to_pool="tech"), 20)
    assert settled(effects) == [("a", "refused")]
    assert p.contact("c").state is ContactState.ASSIGNED  # type: ignore[union-attr]


def test_a_contact_not_held_by_the_agent_is_refused() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "billing"), 3)
    wrong = TransferRequest("t-9", "b", "c", to_queue="technical")
    assert settled(p.transfer(wrong, 5)) == [("b", "refused")]


def test_a_transfer_to_a_named_agent_reaches_them_whatever_their_queues() -> None:
    """The agent is not known to the pool yet (their log-in travels on another
    partition than the request) and serves none of the contact's queues: named, the
    contact is theirs during the hold."""
    p = pool()
    assigned_to_a(p)
    p.transfer(request("warm", to_agent="z"), 20)
    effects = p.login(agent("z", "consults-only"), 21)
    assert offers(effects) == [("c", "z")]
    assert settled(p.reject("z", "c", "c#2", 22)) == [("a", "declined")]
    assert p.contact("c").agent_id == "a"  # type: ignore[union-attr]


def test_the_first_agent_may_finish_a_contact_while_its_warm_transfer_waits() -> None:
    p = pool()
    assigned_to_a(p)
    p.login(agent("b", "technical"), 3)
    p.transfer(request("warm", to_queue="technical"), 20)
    effects = p.complete_work("a", "c", 25)
    assert effects == [OfferRevocation("c#2", "b", "c", "technical", "superseded")]
    assert p.contact("c") is None
    assert work(p, "a") == {}
    assert work(p, "b") == {}


def test_a_transferred_contact_takes_no_overflow_step_of_its_first_queue() -> None:
    """The policy's overflow steps are for waiting in the first queue; the agent chose
    where the contact goes, so it stays in the queue it was transferred to."""
    p = pool()
    p.login(agent("a", "billing"), 0)
    billing = contact("c", "billing", 0.0)
    billing.overflow = (OverflowStep(after_seconds=10, queue="general", pool="spill"),)
    p.enqueue(billing, 0)
    p.accept("a", "c", "c#1", 2)
    p.transfer(request(to_queue="technical"), 20)  # past the step's 10 s, and queued
    effects = p.tick(40)
    assert not [e for e in effects if isinstance(e, ContactOverflowed)]
    moved = p.contact("c")
    assert moved is not None
    assert (moved.state, moved.queue, moved.overflow) == (ContactState.QUEUED, "technical", ())
