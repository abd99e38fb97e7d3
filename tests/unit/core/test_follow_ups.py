"""Issue 10, findings 2 and 3, on the pure routing core and the assignment stage:
a follow-up reaches the pool that holds its contact whatever Redis did, and an
escalation out of automation stays visible to the failed-automation guardrail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord
from omniroute.router.core import CustomerRecord, RoutedBatch, route_events
from omniroute.router.policy import default_policy
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage, PoolRecords
from omniroute.schemas import (
    ContactOutcome,
    ContactTarget,
    CustomerProfile,
    InteractionEvent,
    InteractionEventAdapter,
    InteractionUpdate,
    RecentContact,
    RoutingDecision,
    new_event_id,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
POLICY = default_policy()
PROFILE = CustomerProfile(customer_id="c1", name="Ada")


def _event(kind: str, interaction: str, at: datetime = NOW, **fields: Any) -> InteractionEvent:
    return InteractionEventAdapter.validate_python(
        {
            "type": f"omniroute.interaction.{kind}",
            "id": f"{kind}-{interaction}-{at.timestamp():.0f}",
            "source": "/t",
            "interaction_id": interaction,
            "customer_id": "c1",
            "channel": "voice",
            "time": at,
        }
        | fields
    )


def _route(
    events: list[InteractionEvent],
    recent: tuple[RecentContact, ...] = (),
    *,
    degraded: bool = False,
    at: datetime = NOW,
) -> RoutedBatch:
    """One router batch: what Redis returned (nothing when degraded), then the pure core."""
    customer = (
        CustomerRecord("c1", None, (), True) if degraded else CustomerRecord("c1", PROFILE, recent)
    )
    return route_events(
        [
            (InboundRecord("omniroute.interactions", 0, n, b"c1", b"", None), e)
            for n, e in enumerate(events)
        ],
        {"c1": customer},
        POLICY,
        {},
        now=at,
        keep=20,
        max_age=timedelta(days=7),
    )


def _updates(batch: RoutedBatch) -> list[tuple[str, str, str]]:
    return [
        (pool, m.interaction_id, m.update)
        for pool, m in batch.to_assigner
        if isinstance(m, InteractionUpdate)
    ]


def test_follow_ups_reach_the_pool_while_redis_is_degraded() -> None:
    arrived = _route([_event("arrived", "i-1", reason="billing")], degraded=True)
    ((pool, decision),) = arrived.to_assigner
    assert isinstance(decision, RoutingDecision)
    assert decision.degraded
    assert pool == "care"
    abandoned = _route([_event("abandoned", "i-1", stage="queue")], degraded=True)
    assert ("care", "i-1", "abandoned") in _updates(abandoned)
    assert {p for p, _, _ in _updates(abandoned)} == POLICY.pools


def test_follow_ups_reach_the_pool_of_a_contact_whose_history_was_never_written() -> None:
    # Decided while Redis was down; Redis is back for the follow-ups, with no line for it.
    _route([_event("arrived", "i-1", reason="billing")], degraded=True)
    callback = _route([_event("callback_requested", "i-1")])
    ended = _route([_event("ended", "i-1", outcome="resolved")])
    assert ("care", "i-1", "callback_requested") in _updates(callback)
    assert ("care", "i-1", "ended") in _updates(ended)


def test_a_follow_up_after_an_unwritten_escalation_reaches_the_pool() -> None:
    first = _route([_event("arrived", "i-1", reason="password_reset")])
    assert first.decisions[0][1].target is ContactTarget.IVR
    written = first.history["c1"]
    escalated = _route([_event("escalated", "i-1", from_stage="ivr")], written)
    assert [p for p, _ in escalated.to_assigner] == ["care"]
    # The escalation's history write failed: history still says IVR.
    abandoned = _route([_event("abandoned", "i-1", stage="queue")], written)
    assert ("care", "i-1", "abandoned") in _updates(abandoned)


def test_a_follow_up_history_can_place_goes_to_that_pool_only() -> None:
    first = _route(
        [
            _event("arrived", "i-q", reason="billing", requested_agent=True),
            _event("arrived", "i-a", reason="password_reset"),
        ]
    )
    later = _route(
        [
            _event("ended", "i-q", outcome="resolved"),
            _event("ended", "i-a", outcome="resolved", handled_by="ivr"),
        ],
        first.history["c1"],
    )
    assert _updates(later) == [("care", "i-q", "ended")]


def _stage(held: dict[str, PoolRecords]) -> AssignerStage:
    return AssignerStage(
        AssignerSettings(),
        AssignerMetrics(CollectorRegistry(), process=False),
        lambda pool: held.get(pool, ([], [], [])),
    )


def _update(pool: str, interaction: str, kind: str = "ended") -> InteractionUpdate:
    return InteractionUpdate(
        id=new_event_id(),
        source="/t",
        pool=pool,
        interaction_id=interaction,
        customer_id="c1",
        update=kind,  # type: ignore[arg-type]
        cause_id="x",
    )


def test_the_assigner_ignores_follow_ups_for_contacts_it_does_not_hold() -> None:
    stage = _stage({})
    for kind in ("abandoned", "ended", "callback_requested"):
        result = stage.apply("tech", _update("tech", "i-1", kind), 1000.0)
        assert (result.outbound, result.writes) == ([], [])
    assert stage.pools == {}, "no empty pool is created, ticked and reported"
    decision = _route([_event("arrived", "i-1", reason="billing")], degraded=True).decisions[0][1]
    stage.apply("care", decision, 1000.0)
    assert stage.pools["care"].contact("i-1") is not None
    for kind in ("abandoned", "ended"):
        stage.apply("tech", _update("tech", "i-1", kind), 1001.0)
    assert stage.pools["care"].contact("i-1") is not None
    stage.apply("care", _update("care", "i-1", "ended"), 1002.0)
    again = stage.apply("care", _update("care", "i-1", "ended"), 1003.0)
    assert stage.pools["care"].contact("i-1") is None
    assert (again.outbound, again.writes) == ([], []), "a repeated follow-up changes nothing"


def test_an_escalation_out_of_ivr_sends_the_next_contact_to_an_agent() -> None:
    first = _route([_event("arrived", "i-1", reason="password_reset")])
    assert first.decisions[0][1].target is ContactTarget.IVR
    escalated = _route([_event("escalated", "i-1", from_stage="ivr")], first.history["c1"], at=NOW)
    ended = _route(
        [_event("ended", "i-1", outcome="resolved", agent_id="a1")],
        escalated.history["c1"],
        at=NOW + timedelta(minutes=5),
    )
    later = NOW + timedelta(minutes=13)
    # Another reason, one automation would take: the guardrail must still fire.
    again = _route(
        [_event("arrived", "i-2", at=later, reason="password_reset")], ended.history["c1"], at=later
    )
    decision = again.decisions[0][1]
    assert decision.target is ContactTarget.AGENT_QUEUE
    assert "automation-failed-recently" in [e.name for e in decision.explanation]
    (line, _) = again.history["c1"]
    assert line.automation_outcome is ContactOutcome.ESCALATED


def test_a_failure_in_automation_survives_the_escalation_that_follows_it() -> None:
    first = _route([_event("arrived", "i-1", reason="password_reset")])
    failed = _route(
        [
            _event("automation_completed", "i-1", stage="ivr", resolved=False),
            _event("escalated", "i-1", from_stage="ivr"),
        ],
        first.history["c1"],
    )
    (line,) = failed.history["c1"]
    assert line.target is ContactTarget.AGENT_QUEUE
    assert line.automation_outcome is ContactOutcome.FAILED_IN_AUTOMATION


def test_an_automation_failure_without_a_line_is_still_remembered() -> None:
    # The arrival was decided while Redis was down, so history has no line for it.
    failed = _route(
        [_event("automation_completed", "i-1", stage="ivr", resolved=False, reason="billing")]
    )
    (line,) = failed.history["c1"]
    assert (line.target, line.automation_outcome) == (
        ContactTarget.IVR,
        ContactOutcome.FAILED_IN_AUTOMATION,
    )
