"""The insight stage without Kafka: a worker that takes over a partition from the
changelog carries on where the last one stopped (nothing counted twice, nothing
lost), feedback read before its contact finished is joined when it does, and bad
feedback is dead-lettered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from omniroute.router.codec import InboundRecord
from omniroute.router.policy import default_policy
from omniroute.router.runtime import Outbound
from omniroute.router.stages.insight import InsightMetrics, InsightStage, PartitionState
from omniroute.schemas import (
    Channel,
    ContactTarget,
    CustomerContext,
    CustomerFeedback,
    InteractionArrived,
    InteractionEnded,
    RoutingDecision,
)

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
CHANGELOG = "insight-changelog"


def _stage() -> InsightStage:
    return InsightStage(
        costs=default_policy().cost_table,
        metrics=InsightMetrics(CollectorRegistry(), process=False),
        changelog=CHANGELOG,
        dead_letter_topic="omniroute.deadletter",
        clock=lambda: NOW,
    )


def _record(topic: str, message: BaseModel | bytes, offset: int = 0) -> InboundRecord:
    value = message if isinstance(message, bytes) else message.model_dump_json().encode()
    return InboundRecord(topic, 1, offset, b"c-1", value)


def _latest(outbound: list[Outbound], into: dict[str, object]) -> dict[str, object]:
    for topic, key, value, *_ in outbound:
        if topic == CHANGELOG and key is not None:
            name = json.loads(key)
            if value == b"null":
                into.pop(name, None)
            else:
                into[name] = json.loads(value)
    return into


def _events() -> tuple[InteractionArrived, RoutingDecision, InteractionEnded, CustomerFeedback]:
    common: dict[str, Any] = {"source": "/t", "interaction_id": "i-1", "customer_id": "c-1"}
    arrived = InteractionArrived(
        id="e1", time=NOW, channel=Channel.EMAIL, reason="billing", **common
    )
    decision = RoutingDecision(
        id="d1",
        source="/t",
        interaction_id="i-1",
        customer_id="c-1",
        channel=Channel.EMAIL,
        cause_id="e1",
        cause_type=arrived.type,
        reason="billing",
        target=ContactTarget.AGENT_QUEUE,
        policy_version="t",
        customer=CustomerContext(customer_id="c-1", known=True, segment="premium"),
    )
    ended = InteractionEnded(
        id="e2", time=NOW, channel=Channel.EMAIL, outcome="resolved", waited_seconds=400.0, **common
    )
    feedback = CustomerFeedback(id="f1", time=NOW, kind="csat", score=2, **common)
    return arrived, decision, ended, feedback


def test_a_takeover_from_the_changelog_carries_on_without_counting_twice() -> None:
    arrived, decision, ended, feedback = _events()
    first = _stage()
    state = _latest(
        first.process(
            [
                _record("omniroute.interactions", arrived),
                _record("omniroute.decisions", decision),
                _record("omniroute.feedback", feedback),  # before its contact finished
            ]
        ),
        {},
    )
    assert first.finished == 0
    second = _stage()  # another worker, after a rebalance
    second.states[1] = PartitionState.from_changelog(1, list(state.items()))
    state = _latest(
        second.process(
            [
                _record("omniroute.interactions", ended, 1),
                _record("omniroute.interactions", ended, 1),  # redelivered
                _record("omniroute.decisions", decision, 1),  # redelivered
            ]
        ),
        state,
    )
    assert second.finished == 1
    (figures,) = [v for k, v in state.items() if k.startswith("agg|1|")]
    assert isinstance(figures, dict)
    assert (figures["contacts"], figures["agent"], figures["realised_cents"]) == (1, 1, 563)
    assert (figures["csat_count"], figures["csat_sum"]) == (1, 2)
    assert state["wait|1|email|300s+"] == figures | {
        k: 0 for k in figures if k not in ("csat_count", "csat_sum")
    } | {"perceived_wait_seconds": 0.0}
    third = _stage()
    third.states[1] = PartitionState.from_changelog(1, list(state.items()))
    third.process([_record("omniroute.interactions", ended, 2)])
    assert third.finished == 0


def test_bad_feedback_is_dead_lettered_with_its_reason() -> None:
    out = _stage().process([_record("omniroute.feedback", b'{"kind": "csat", "score": 9}')])
    (letter,) = [value for topic, _, value, *_ in out if topic == "omniroute.deadletter"]
    assert json.loads(letter)["reason"] in {"missing_field", "invalid_value"}
