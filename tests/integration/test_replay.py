"""Replay: recorded traffic through a policy with the production routing function.
The same policy reproduces every recorded decision; a changed one is compared."""

from __future__ import annotations

import uuid
from importlib.resources import files
from typing import Any

import pytest
import redis

from omniroute.router.policy import compare, default_policy, parse_policy
from omniroute.router.runtime import Settings
from omniroute.router.sdk import FrontEndClient
from omniroute.router.tools.harness import WorkerProcess
from omniroute.router.tools.ops import load_inputs, read_source, replay
from omniroute.schemas import Channel, ContactTarget, CustomerProfile, Tier
from tests.support.policy import NOW, arrival, customer

pytestmark = [pytest.mark.kafka, pytest.mark.redis]


def test_comparison_counts_targets_cost_and_guardrails() -> None:
    policy = default_policy()
    stricter = parse_policy(
        default_policy_text().replace('when: reason == "password_reset"', "when: 'false'")
    )
    event = arrival(reason="password_reset")
    before = policy.route(event, customer(), {}, NOW)
    after = stricter.route(event, customer(), {}, NOW)
    report = compare([(before, after), (before, before)])
    assert report.compared == 2
    assert report.changed == 1
    assert report.targets[("ivr", "agent_queue")] == 1
    assert report.cost_after - report.cost_before == pytest.approx(5.00 - 0.36)
    assert report.examples[0].startswith("i-now (voice): target: ivr -> agent_queue")


def default_policy_text() -> str:
    return files("omniroute.router.policy").joinpath("default_policy.yaml").read_text()


def test_replaying_live_traffic_reproduces_every_decision_and_measures_a_change(
    stack_settings: Settings, redis_client: redis.Redis, router_worker: WorkerProcess
) -> None:
    run = uuid.uuid4().hex[:6]
    tiers = [Tier.STANDARD, Tier.VIP, Tier.GOLD]
    for n, tier in enumerate(tiers):
        profile = CustomerProfile(customer_id=f"r-{run}-{n}", tier=tier, arpu=40.0 + 60 * n)
        redis_client.set(f"cust:{profile.customer_id}", profile.model_dump_json())
    sent: list[str] = []
    with FrontEndClient(stack_settings.kafka.bootstrap_servers, source="/replay") as front:
        for n, (channel, reason) in enumerate(
            [
                (Channel.VOICE, "password_reset"),
                (Channel.CHAT, "billing"),
                (Channel.WEB, "outage"),
                (Channel.EMAIL, "cancellation"),
                (Channel.SMS, "payment"),
                (Channel.VOICE, "billing"),
            ]
        ):
            contact = front.arrived(f"r-{run}-{n % 3}", channel, reason=reason)
            front.decision_for(contact.interaction_id, timeout=20)
            sent.append(contact.interaction_id)
    bootstrap = stack_settings.kafka.bootstrap_servers

    def live_inputs() -> Any:
        inputs = load_inputs(
            read_source("topic:omniroute.interactions", bootstrap),
            read_source("topic:omniroute.decisions", bootstrap),
        )
        mine = [d for d in inputs.decisions if d.interaction_id in sent]
        return type(inputs)(inputs.events, mine, inputs.skipped)

    inputs = live_inputs()
    assert len(inputs.decisions) == len(sent)
    same, missing = replay(default_policy(), inputs)
    assert missing == 0
    assert (same.compared, same.changed) == (len(sent), 0), same.examples
    no_reset_automation = parse_policy(
        default_policy_text().replace('when: reason == "password_reset"', "when: 'false'")
    )
    changed, _ = replay(no_reset_automation, inputs)
    assert changed.targets[(ContactTarget.IVR.value, ContactTarget.AGENT_QUEUE.value)] == 1
    assert changed.cost_after > changed.cost_before
