"""Overflow through the assignment stage: with one pool saturated, a contact past its
step's wait leaves for the other pool as a decision on the assigner input, and the
offer it gets there says why."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage, PoolRecords
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    AssignerInputAdapter,
    Channel,
    InteractionUpdate,
    Offer,
    OfferAccepted,
    OverflowStep,
    RoutingDecision,
    SkillRequirement,
    new_event_id,
)
from tests.support.assigner import no_records, queued_decision

T0 = 1_800_000_000.0
STEP = OverflowStep(
    after_seconds=30,
    queue="tech_help",
    pool="tech",
    required_skills=(SkillRequirement(skill="technical", min_proficiency=2),),
)


def _agent(
    agent: str, pool: str, queue: str, skills: dict[str, int] | None = None
) -> AgentLoggedIn:
    return AgentLoggedIn(
        id=new_event_id(),
        source="/t",
        agent_id=agent,
        pool=pool,
        queues=[queue],
        skills=skills or {},
        capacity={Channel.CHAT: 1},
        presence=AgentPresence.READY,
    )


def _accept(offer: Offer) -> OfferAccepted:
    return OfferAccepted(
        id=new_event_id(),
        source="/t",
        agent_id=offer.agent_id,
        pool=offer.pool,
        interaction_id=offer.interaction_id,
        offer_id=offer.offer_id,
    )


def _offers(outbound: list[tuple[str, bytes, bytes]]) -> list[Offer]:
    return [
        Offer.model_validate_json(value)
        for name, _, value in outbound
        if name == "omniroute.assignments" and b'"omniroute.offer"' in value
    ]


def test_past_the_overflow_wait_a_contact_goes_to_the_other_pool_and_its_offer_says_why() -> None:
    registry = CollectorRegistry()
    stage = AssignerStage(AssignerSettings(), AssignerMetrics(registry, process=False), no_records)
    stage.apply("care", _agent("busy-care", "care", "general"), T0)
    stage.apply("tech", _agent("tech-1", "tech", "tech_help", {"technical": 3}), T0)
    first = queued_decision("ix-1", "c-1", queue="general", pool="care")
    first = first.model_copy(update={"time": first.time.fromtimestamp(T0, first.time.tzinfo)})
    taken = _offers(stage.apply("care", first, T0).outbound)[0]
    stage.apply("care", _accept(taken), T0)  # the care pool's one agent is busy: saturated
    waiting = first.model_copy(
        update={"id": new_event_id(), "interaction_id": "ix-2", "overflow": (STEP,)}
    )
    assert _offers(stage.apply("care", waiting, T0 + 1).outbound) == []
    assert stage.pools["care"].next_timer() == T0 + 30

    not_yet = stage.timer("care", T0 + 29.9)
    assert not [m for m in not_yet.outbound if m[0] == "omniroute.assigner-input"]
    moved = stage.timer("care", T0 + 30)
    sent = [
        (key, value) for name, key, value in moved.outbound if name == "omniroute.assigner-input"
    ]
    assert [key for key, _ in sent] == [b"tech"]
    decision = AssignerInputAdapter.validate_json(sent[0][1])
    assert isinstance(decision, RoutingDecision)
    assert (decision.interaction_id, decision.pool, decision.queue) == ("ix-2", "tech", "tech_help")
    assert decision.time.timestamp() == T0  # the original queue entry: the wait carries over
    assert stage.pools["care"].contact("ix-2") is None
    assert ("care|c|ix-2", None) in moved.writes

    offers = _offers(stage.apply("tech", decision, T0 + 30.2).outbound)
    assert [(o.agent_id, o.interaction_id, o.queue) for o in offers] == [
        ("tech-1", "ix-2", "tech_help")
    ]
    assert [(e.name, e.detail) for e in offers[0].explanation] == [
        ("overflow", "overflowed from general (pool care) after 30 s to tech_help (pool tech)")
    ]
    assert offers[0].enqueued_at.timestamp() == T0
    overflowed = registry.get_sample_value(
        "omniroute_overflowed_total",
        {"from_pool": "care", "from_queue": "general", "to_pool": "tech", "to_queue": "tech_help"},
    )
    assert overflowed == 1.0


def test_an_offered_contact_does_not_overflow_and_an_answered_one_never_does() -> None:
    stage = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), no_records
    )
    stage.apply("care", _agent("a-1", "care", "general"), T0)
    decision = queued_decision("ix-3", "c-3", queue="general", pool="care").model_copy(
        update={"overflow": (STEP,)}
    )
    decision = decision.model_copy(
        update={"time": decision.time.fromtimestamp(T0, decision.time.tzinfo)}
    )
    offer = _offers(stage.apply("care", decision, T0).outbound)[0]
    assert stage.pools["care"].next_timer() == T0 + 20  # the offer's expiry comes first
    stage.apply("care", _accept(offer), T0 + 2)
    later = stage.timer("care", T0 + 60)
    assert not [m for m in later.outbound if m[0] == "omniroute.assigner-input"]
    assert stage.pools["care"].next_timer() is None


def test_a_customer_waiting_for_a_callback_stays_with_their_queue() -> None:
    stage = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), no_records
    )
    decision = queued_decision("ix-4", "c-4", queue="general", pool="care").model_copy(
        update={"overflow": (STEP,), "time": datetime.fromtimestamp(T0, UTC)}
    )
    stage.apply("care", decision, T0)
    stage.apply(
        "care",
        InteractionUpdate(
            id=new_event_id(),
            source="/t",
            pool="care",
            interaction_id="ix-4",
            customer_id="c-4",
            update="callback_requested",
            cause_id="e-4",
        ),
        T0 + 5,
    )
    later = stage.timer("care", T0 + 60)
    assert not [m for m in later.outbound if m[0] == "omniroute.assigner-input"]
    kept = stage.pools["care"].contact("ix-4")
    assert kept is not None
    assert (kept.callback, kept.queue) == (True, "general")


def test_a_restored_pool_keeps_each_contacts_overflow_steps_and_their_clock() -> None:
    """A takeover rebuilds the pool from its changelog records: the steps and the
    reason come back with the contact, and a step that fell due meanwhile fires."""
    stage = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), no_records
    )
    decision = queued_decision("ix-5", "c-5", queue="general", pool="care").model_copy(
        update={"overflow": (STEP,), "time": datetime.fromtimestamp(T0, UTC)}
    )
    written = stage.apply("care", decision, T0).writes
    records: PoolRecords = (
        [record for key, record in written if key == "care|c|ix-5" and record],
        [],
        [],
    )
    assert records[0][0]["overflow"] == [STEP.model_dump(mode="json")]
    taken_over = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), no_records
    )
    caught_up = taken_over.restore("care", records, T0 + 31)
    sent = [key for name, key, _ in caught_up.outbound if name == "omniroute.assigner-input"]
    assert sent == [b"tech"]
    assert taken_over.pools["care"].contact("ix-5") is None


def test_a_follow_up_that_reaches_the_old_pool_is_sent_on_after_the_move() -> None:
    """The router sends an abandon to both pools; the new one may read it before the
    decision that moves the contact there. The old pool sends it on, so it lands
    after that decision and the customer who left is not offered to an agent."""
    stage = AssignerStage(
        AssignerSettings(), AssignerMetrics(CollectorRegistry(), process=False), no_records
    )
    decision = queued_decision("ix-6", "c-6", queue="general", pool="care").model_copy(
        update={"overflow": (STEP,), "time": datetime.fromtimestamp(T0, UTC)}
    )
    stage.apply("care", decision, T0)
    [(_, _, moved)] = [m for m in stage.timer("care", T0 + 30).outbound if m[0].endswith("input")]
    gone = InteractionUpdate(
        id=new_event_id(),
        source="/t",
        pool="care",
        interaction_id="ix-6",
        customer_id="c-6",
        update="abandoned",
        cause_id="e-6",
    )
    sent_on = [m for m in stage.apply("care", gone, T0 + 30.1).outbound if m[0].endswith("input")]
    assert [key for _, key, _ in sent_on] == [b"tech"]
    follow = AssignerInputAdapter.validate_json(sent_on[0][2])
    assert isinstance(follow, InteractionUpdate)
    assert (follow.pool, follow.interaction_id, follow.update) == ("tech", "ix-6", "abandoned")
    stage.apply("tech", gone.model_copy(update={"pool": "tech"}), T0 + 30.1)  # read too early
    stage.apply("tech", AssignerInputAdapter.validate_json(moved), T0 + 30.2)
    assert stage.pools["tech"].contact("ix-6") is not None
    stage.apply("tech", follow, T0 + 30.3)
    assert stage.pools["tech"].contact("ix-6") is None
