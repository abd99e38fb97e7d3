"""The assigner stage's agent flows, driven directly (the code the batch loop runs):
time in state by not-ready reason after a scripted floor, with its values; and a
transfer across pools: handed over, counted, queued at its place, followed up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage, PoolRecords
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    AgentStateChanged,
    AssignerInputAdapter,
    AssignmentMessageAdapter,
    Channel,
    ContactTarget,
    CustomerContext,
    InteractionUpdate,
    Offer,
    OfferAccepted,
    OfferRevoked,
    PoolTick,
    RoutingDecision,
    TransferRequested,
    TransferResult,
    new_event_id,
)

T0 = 1_800_000_000.0


def _no_records(pool: str) -> PoolRecords:
    return [], [], []


def _stage(**settings: Any) -> tuple[AssignerStage, CollectorRegistry]:
    registry = CollectorRegistry()
    metrics = AssignerMetrics(registry, process=False)
    return AssignerStage(AssignerSettings(**settings), metrics, _no_records), registry


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, UTC)


def _login(agent: str, pool: str, queues: list[str], ready: bool) -> AgentLoggedIn:
    presence = AgentPresence.READY if ready else AgentPresence.NOT_READY
    return AgentLoggedIn(
        id=new_event_id(), source="/t", agent_id=agent, pool=pool, queues=queues, presence=presence
    )


def _state(agent: str, reason: str | None, ready: bool = False) -> AgentStateChanged:
    presence = AgentPresence.READY if ready else AgentPresence.NOT_READY
    return AgentStateChanged(
        id=new_event_id(),
        source="/t",
        agent_id=agent,
        pool="care",
        presence=presence,
        reason=reason,
    )


def _tick(pool: str, at: float) -> PoolTick:
    return PoolTick(id=f"tick-{pool}-{at}", source="/t", pool=pool, now=_at(at))


def _decision(interaction: str, queue: str, at: float) -> RoutingDecision:
    return RoutingDecision(
        id=new_event_id(),
        source="/t",
        time=_at(at),
        interaction_id=interaction,
        customer_id=f"c-{interaction}",
        channel=Channel.VOICE,
        cause_id=f"e-{interaction}",
        cause_type="omniroute.interaction.arrived",
        target=ContactTarget.AGENT_QUEUE,
        queue=queue,
        pool="care" if queue == "billing" else "tech",
        priority=30,
        perceived_wait_offset_seconds=4.0,
        policy_version="t",
        customer=CustomerContext(customer_id=f"c-{interaction}", known=True, name="Ada Lovelace"),
    )


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    assert value is not None, f"no {name} {labels}"
    return value


def test_time_in_state_by_reason_after_a_scripted_floor() -> None:
    stage, registry = _stage(
        misses_before_not_ready=1,
        offer_timeout_seconds=5,
        pool_not_ready_reasons={"care": ("lunch", "training")},
    )
    script: list[tuple[float, Any]] = [
        (0, _login("a", "care", ["billing"], ready=True)),
        (0, _login("b", "care", ["billing"], ready=False)),  # no reason given
        (10, _state("a", "lunch")),
        (30, _tick("care", 30)),
        (40, _state("a", None, ready=True)),
        (45, _state("b", "training")),  # a new reason while not ready
        (50, _state("b", "fishing")),  # not in the pool's list
        (60, _decision("x", "billing", 60)),  # offered to a, who lets it time out
    ]
    for at, message in script:
        stage.apply("care", message, T0 + at)
    stage.timer("care", T0 + 65)  # a misses its offer: paused for missed offers
    stage.apply("care", _tick("care", 100), T0 + 100)

    def seconds(state: str, reason: str) -> float:
        name = "omniroute_agent_state_seconds_total"
        return _value(registry, name, pool="care", state=state, reason=reason)

    # a: ready 0-10 and 40-65, lunch 10-40, paused 65-100.
    # b: no reason 0-45, training 45-50, an unlisted reason 50-100.
    assert seconds("ready", "none") == 35
    assert seconds("not_ready", "lunch") == 30
    assert seconds("not_ready", "missed_offers") == 35
    assert seconds("not_ready", "unspecified") == 45
    assert seconds("not_ready", "training") == 5
    assert seconds("not_ready", "unlisted") == 50
    now_not_ready = {
        reason: _value(registry, "omniroute_agents_not_ready", pool="care", reason=reason)
        for reason in ("lunch", "training", "missed_offers", "unlisted")
    }
    assert now_not_ready == {"lunch": 0, "training": 0, "missed_offers": 1, "unlisted": 1}


def _messages(outbound: list[tuple[str, bytes, bytes]], topic: str) -> list[Any]:
    adapter: Any = (
        AssignerInputAdapter if topic.endswith("assigner-input") else AssignmentMessageAdapter
    )
    return [adapter.validate_json(value) for name, _, value in outbound if name == topic]


def test_a_transfer_to_another_pool_is_handed_over_counted_and_followed_up() -> None:
    stage, registry = _stage()
    stage.apply("care", _login("a", "care", ["billing"], ready=True), T0)
    stage.apply("tech", _login("b", "tech", ["technical"], ready=False), T0)
    stage.apply("care", _decision("x", "billing", 1), T0 + 1)  # queue entry at 1, 4 s of IVR
    accept = OfferAccepted(
        id=new_event_id(),
        source="/t",
        agent_id="a",
        pool="care",
        offer_id="x#1",
        interaction_id="x",
    )
    stage.apply("care", accept, T0 + 2)
    stage.apply("tech", _decision("later", "technical", 5), T0 + 5)  # same priority, later
    request = TransferRequested(
        id="t-1",
        source="/t",
        agent_id="a",
        pool="care",
        interaction_id="x",
        to_queue="technical",
        to_pool="tech",
        note="modem fault",
    )
    out = stage.apply("care", request, T0 + 20).outbound
    [handover] = _messages(out, "omniroute.assigner-input")
    [result] = [m for m in _messages(out, "omniroute.assignments") if isinstance(m, TransferResult)]
    assert (result.outcome, result.to_queue, result.from_queue) == (
        "handed_over",
        "technical",
        "billing",
    )
    name = "omniroute_transfers_total"
    labels = {"pool": "care", "from_queue": "billing", "to_queue": "technical", "mode": "cold"}
    assert _value(registry, name, **labels) == 1
    stage.apply("tech", handover, T0 + 21)
    ready = _state("b", None, ready=True).model_copy(update={"pool": "tech"})
    [offer] = [
        m
        for m in _messages(stage.apply("tech", ready, T0 + 22).outbound, "omniroute.assignments")
        if isinstance(m, Offer)
    ]
    assert offer.interaction_id == "x", "the transferred contact goes ahead of a later one"
    assert offer.enqueued_at == _at(1)
    assert offer.automation_seconds == 4.0
    assert offer.customer.name == "Ada Lovelace"
    assert [e.detail for e in offer.explanation] == [
        "cold transfer by a from billing (pool care) to technical: modem fault"
    ]
    assert [(t.from_agent, t.from_queue, t.note) for t in offer.transfers] == [
        ("a", "billing", "modem fault")
    ]
    # The customer hangs up: the router tells care (its history); care tells tech.
    update = InteractionUpdate(
        id="u-1",
        source="/t",
        pool="care",
        interaction_id="x",
        customer_id="c-x",
        update="abandoned",
        cause_id="e-x-2",
    )
    [forwarded] = _messages(
        stage.apply("care", update, T0 + 30).outbound, "omniroute.assigner-input"
    )
    assert (forwarded.pool, forwarded.update) == ("tech", "abandoned")
    told = _messages(stage.apply("tech", forwarded, T0 + 31).outbound, "omniroute.assignments")
    assert [(m.interaction_id, m.why) for m in told if isinstance(m, OfferRevoked)] == [
        ("x", "abandoned")
    ]
    assert [m.interaction_id for m in told if isinstance(m, Offer)] == ["later"], "b is free"
    assert stage.pools["care"].contact("x") is None
    assert stage.pools["tech"].contact("x") is None
