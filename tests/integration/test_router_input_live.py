"""Issue 10 items 5 and 7 on the real broker and Redis, through the router worker:
input the contract refuses is dead-lettered with its reason, and a customer record
Redis holds but nobody can read routes the contact with the flagged safe default."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import redis

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import WorkerProcess
from omniroute.schemas import Channel, InteractionArrived, RoutingDecision, new_event_id
from tests.support.kafka import TopicReader, produce

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

INTERACTIONS = "omniroute.interactions"


def _arrival(customer: str, **extra: Any) -> dict[str, Any]:
    event = InteractionArrived(
        id=new_event_id(),
        source="/tests/live",
        interaction_id=f"ix-{uuid.uuid4().hex[:12]}",
        customer_id=customer,
        channel=Channel.CHAT,
    )
    document: dict[str, Any] = json.loads(event.model_dump_json())
    return document | extra


def test_refused_input_is_dead_lettered_with_its_reason_and_good_input_is_routed(
    stack_settings: Settings, router_worker: WorkerProcess
) -> None:
    run = uuid.uuid4().hex[:8]
    customer = f"c-{run}"
    bad: dict[str, tuple[bytes, bytes, str]] = {}
    yes = _arrival(customer, requested_agent="yes")
    bad["string_bool"] = (customer.encode(), json.dumps(yes).encode(), "invalid_value")
    text_number = _arrival(customer, automation_seconds="12.5")
    bad["string_number"] = (customer.encode(), json.dumps(text_number).encode(), "invalid_value")
    unix_time = _arrival(customer, time=1_764_000_000)
    bad["integer_time"] = (customer.encode(), json.dumps(unix_time).encode(), "invalid_value")
    without_id = {k: v for k, v in _arrival(customer).items() if k != "id"}
    bad["no_id"] = (customer.encode(), json.dumps(without_id).encode(), "missing_field")
    other = _arrival(f"c-{run}-other")
    bad["key_mismatch"] = (customer.encode(), json.dumps(other).encode(), "key_mismatch")
    twice = json.dumps(_arrival(customer)).replace(
        f'"customer_id": "{customer}"', f'"customer_id": "{customer}", "customer_id": "c-{run}-x"'
    )
    assert twice.count('"customer_id"') == 2
    bad["duplicate_key"] = (customer.encode(), twice.encode(), "duplicate_key")
    good = _arrival(customer)

    bootstrap = stack_settings.kafka.bootstrap_servers
    dead = TopicReader(bootstrap, "omniroute.deadletter")
    decisions = TopicReader(bootstrap, "omniroute.decisions")
    produce(
        bootstrap,
        INTERACTIONS,
        [(key, value) for key, value, _ in bad.values()]
        + [(customer.encode(), json.dumps(good).encode())],
    )
    values = {value: kind for kind, (_, value, _) in bad.items()}

    def mine(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        found = {}
        for record in records:
            kind = values.get(base64.b64decode(record["original_value_b64"]))
            if kind is not None:
                found[kind] = record
        return found

    letters = mine(dead.wait_for(lambda records: len(mine(records)) == len(bad)))
    routed = decisions.wait_for(
        lambda rs: any(r["interaction_id"] == good["interaction_id"] for r in rs)
    )
    # Nothing of the refused records was routed, under either customer.
    refused_interactions = {json.loads(v)["interaction_id"] for _, v, _ in bad.values()}
    routed = decisions.settle(1.0)
    dead.close()
    decisions.close()

    assert {kind: letter["reason"] for kind, letter in letters.items()} == {
        kind: reason for kind, (_, _, reason) in bad.items()
    }
    assert {e["loc"] for e in letters["no_id"]["errors"]} == {"id"}
    assert {e["loc"] for e in letters["string_bool"]["errors"]} == {"requested_agent"}
    assert {e["loc"] for e in letters["integer_time"]["errors"]} == {"time"}
    assert not [r for r in routed if r["interaction_id"] in refused_interactions]
    (decision,) = [r for r in routed if r["interaction_id"] == good["interaction_id"]]
    assert decision["cause_id"] == good["id"]


def test_a_profile_with_infinite_arpu_routes_flagged_to_an_agent_not_to_the_dead_letters(
    stack_settings: Settings, redis_client: redis.Redis, router_worker: WorkerProcess
) -> None:
    run = uuid.uuid4().hex[:8]
    customer = f"c-{run}-inf"
    redis_client.set(
        f"cust:{customer}", b'{"customer_id": "%s", "arpu": Infinity}' % customer.encode()
    )
    event = _arrival(customer)
    bootstrap = stack_settings.kafka.bootstrap_servers
    dead = TopicReader(bootstrap, "omniroute.deadletter")
    decisions = TopicReader(bootstrap, "omniroute.decisions")
    produce(bootstrap, INTERACTIONS, [(customer.encode(), json.dumps(event).encode())])

    records = decisions.wait_for(
        lambda rs: any(r["interaction_id"] == event["interaction_id"] for r in rs)
    )
    letters = dead.settle(1.0)
    dead.close()
    decisions.close()

    (raw,) = [r for r in records if r["interaction_id"] == event["interaction_id"]]
    decision = RoutingDecision.model_validate_json(json.dumps(raw))  # the contract accepts it
    assert decision.degraded is True
    assert decision.target.value == "agent_queue"
    assert decision.customer.known is False
    assert [e.name for e in decision.explanation][:1] == ["degraded"]
    assert not [
        d for d in letters if base64.b64decode(d.get("original_key_b64") or "") == customer.encode()
    ]
