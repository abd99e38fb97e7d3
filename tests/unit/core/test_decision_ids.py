"""Decision ids: the same for a redelivered event, different for a reused id with a
different body, so a consumer that drops duplicates by id loses nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from omniroute.router.codec import InboundRecord
from omniroute.router.core import CustomerRecord, decision_id, route_events
from omniroute.router.policy import default_policy
from omniroute.schemas import InteractionEvent, InteractionEventAdapter

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
POLICY = default_policy()
BODY: dict[str, Any] = {
    "type": "omniroute.interaction.arrived",
    "id": "ev-7",
    "source": "/frontends/chat",
    "interaction_id": "ix-7",
    "customer_id": "c-7",
    "channel": "chat",
    "requested_agent": True,
}


def _event(body: dict[str, Any]) -> InteractionEvent:
    return InteractionEventAdapter.validate_json(json.dumps(body))


def _decide(*events: InteractionEvent) -> list[str]:
    routed = route_events(
        [(InboundRecord("t", 0, n, b"c-7", b"{}"), e) for n, e in enumerate(events)],
        {"c-7": CustomerRecord("c-7", None)},
        POLICY,
        {},
        now=NOW,
        keep=10,
        max_age=timedelta(days=7),
    )
    return [decision.id for _, decision in routed.decisions]


def test_a_redelivered_event_gets_the_same_decision_id_even_without_a_time() -> None:
    # No time in the body: each decode stamps a different one, which must not count.
    first, again = _decide(_event(BODY), _event(BODY))
    assert first == again
    assert first.startswith("d:ev-7:")


def test_a_reused_id_with_a_different_body_gets_a_different_decision_id() -> None:
    original, reused = _decide(_event(BODY), _event(BODY | {"interaction_id": "ix-8"}))
    assert original != reused
    assert original.startswith("d:ev-7:")
    assert reused.startswith("d:ev-7:")


def test_unknown_fields_do_not_change_the_decision_id() -> None:
    assert decision_id(_event(BODY)) == decision_id(_event(BODY | {"added_later": 1}))


def test_a_long_event_id_still_gives_a_valid_decision_id() -> None:
    long_id = "e" * 128
    (decided,) = _decide(_event(BODY | {"id": long_id}))
    assert len(decided) <= 128
    assert decided == decision_id(_event(BODY | {"id": long_id}))
    assert decided != decision_id(_event(BODY | {"id": long_id[:-1] + "f"}))
