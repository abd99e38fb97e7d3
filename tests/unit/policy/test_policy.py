"""The routing policy: each guardrail on its own, errors that name rule and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from omniroute.router.core import CustomerRecord, RoutingPolicy
from omniroute.router.policy import (
    GUARDRAILS,
    Policy,
    PolicyError,
    default_policy,
    explain,
    load_policy,
    parse_policy,
)
from omniroute.schemas import Channel, ContactOutcome, ContactTarget, ExplanationKind, Tier
from tests.support.policy import NOW, arrival, customer, earlier, escalation, load

POLICY = default_policy()


def _guardrails(decision: object) -> set[str]:
    return {e.name for e in decision.explanation if e.kind is ExplanationKind.GUARDRAIL}  # type: ignore[attr-defined]


def test_the_policy_satisfies_the_routing_seam() -> None:
    seam: RoutingPolicy = POLICY
    assert seam.version.startswith("2026.11-1+")


def test_automation_is_ivr_on_voice_and_self_service_elsewhere_and_none_on_email() -> None:
    reset = {"reason": "password_reset"}
    assert (
        POLICY.route(arrival(Channel.VOICE, **reset), customer(), {}, NOW).target
        is ContactTarget.IVR
    )
    assert (
        POLICY.route(arrival(Channel.CHAT, **reset), customer(), {}, NOW).target
        is ContactTarget.SELF_SERVICE
    )
    email = POLICY.route(arrival(Channel.EMAIL, **reset), customer(), {}, NOW)
    assert email.target is ContactTarget.AGENT_QUEUE
    assert email.expected_cost == pytest.approx(5.63), "staffed e-mail costs more than a call"


def test_guardrail_a_customer_who_asks_for_an_agent_gets_one() -> None:
    asked = POLICY.route(
        arrival(reason="password_reset", requested_agent=True), customer(), {}, NOW
    )
    assert asked.target is ContactTarget.AGENT_QUEUE
    assert "agent-on-request" in _guardrails(asked)
    escalated = POLICY.route(escalation(reason="password_reset"), customer(), {}, NOW)
    assert escalated.target is ContactTarget.AGENT_QUEUE


def test_guardrail_failed_or_abandoned_automation_recently_means_an_agent() -> None:
    for outcome in (ContactOutcome.FAILED_IN_AUTOMATION, ContactOutcome.ABANDONED):
        recent = (earlier(timedelta(minutes=10), reason="delivery", outcome=outcome),)
        decision = POLICY.route(arrival(reason="password_reset"), customer(recent=recent), {}, NOW)
        assert decision.target is ContactTarget.AGENT_QUEUE, outcome
        assert "automation-failed-recently" in _guardrails(decision)
    long_ago = (earlier(timedelta(hours=3), outcome=ContactOutcome.ABANDONED, reason="delivery"),)
    later = POLICY.route(arrival(reason="password_reset"), customer(recent=long_ago), {}, NOW)
    assert later.target is ContactTarget.IVR, "outside the window, automation is fine again"


def test_guardrail_a_repeat_contact_on_the_same_reason_goes_to_an_agent() -> None:
    recent = (earlier(timedelta(minutes=25), reason="billing"),)
    again = POLICY.route(arrival(reason="billing"), customer(recent=recent), {}, NOW)
    assert again.target is ContactTarget.AGENT_QUEUE
    assert "repeat-contact" in _guardrails(again)
    other = POLICY.route(arrival(reason="password_reset"), customer(recent=recent), {}, NOW)
    assert other.target is ContactTarget.IVR, "another reason is not a repeat"


def test_guardrail_degraded_routing_is_an_agent_never_automation() -> None:
    decision = POLICY.route(
        arrival(reason="password_reset"), CustomerRecord("c1", None, lookup_failed=True), {}, NOW
    )
    assert decision.target is ContactTarget.AGENT_QUEUE
    assert decision.degraded is True
    assert decision.explanation[0].kind is ExplanationKind.DEGRADED


POLICY_WITH_LOW_VALUE_RULE = """
version: "t1"
queues:
  general: {pool: care, priority: 30, floor: 30}
  fast: {pool: care, priority: 60, floor: 40, channels: [voice]}
default_queue: general
routing:
  - name: low-value-last
    when: arpu < 20.0
    then: {queue: fast, priority: 1, max_wait_seconds: 99999}
  - name: offers
    when: segment == "early_adopter"
    then: {queue: general, offer: true}
"""


def test_guardrail_value_never_lowers_priority_below_the_floor() -> None:
    policy = parse_policy(POLICY_WITH_LOW_VALUE_RULE)
    decision = policy.route(arrival(), customer(arpu=5.0), {}, NOW)
    assert decision.queue == "fast"
    assert decision.priority == 40
    assert "priority-floor" in _guardrails(decision)


def test_guardrail_every_queued_contact_has_a_bounded_wait() -> None:
    policy = parse_policy(POLICY_WITH_LOW_VALUE_RULE)
    decision = policy.route(arrival(), customer(arpu=5.0), {}, NOW)
    assert decision.max_wait_seconds == 180, "capped at the voice bound"
    assert "aging-bound" in _guardrails(decision)


def test_a_queue_that_does_not_serve_the_channel_falls_back() -> None:
    policy = parse_policy(POLICY_WITH_LOW_VALUE_RULE)
    decision = policy.route(arrival(Channel.CHAT), customer(arpu=5.0), {}, NOW)
    assert decision.queue == "general"
    assert "channel-fallback" in _guardrails(decision)


def test_guardrail_sell_when_idle_serve_when_busy() -> None:
    policy = parse_policy(POLICY_WITH_LOW_VALUE_RULE)
    adopter = customer(segment="early_adopter")
    idle = policy.route(arrival(), adopter, {"care": load(occupancy=0.4)}, NOW)
    busy = policy.route(arrival(), adopter, {"care": load(occupancy=0.95)}, NOW)
    slow = policy.route(arrival(), adopter, {"care": load(estimated_wait=300)}, NOW)
    unknown = policy.route(arrival(), adopter, {}, NOW)
    assert idle.offer_allowed is True
    assert (busy.offer_allowed, slow.offer_allowed, unknown.offer_allowed) == (False,) * 3
    assert "serve-when-busy" in _guardrails(unknown)


def test_vips_get_the_agent_who_served_them_last() -> None:
    recent = (
        earlier(
            timedelta(days=3),
            target=ContactTarget.AGENT_QUEUE,
            outcome=ContactOutcome.RESOLVED,
            agent_id="agent-7",
        ),
    )
    decision = POLICY.route(arrival(reason="billing"), customer(Tier.VIP, recent=recent), {}, NOW)
    assert (decision.queue, decision.priority) == ("priority", 90)
    assert decision.preferred_agent_id == "agent-7"


def test_perceived_wait_carries_the_time_spent_in_automation() -> None:
    decision = POLICY.route(
        escalation(automation_seconds=95.0, automation_path=["welcome", "menu:billing"]),
        customer(),
        {},
        NOW,
    )
    assert decision.perceived_wait_offset_seconds == 95.0
    assert decision.automation_path == ("welcome", "menu:billing")


def test_explain_names_every_rule_and_guardrail_that_fired() -> None:
    recent = (earlier(timedelta(minutes=10), outcome=ContactOutcome.ABANDONED),)
    decision = POLICY.route(
        arrival(reason="payment"), customer(recent=recent, segment="careful_spender"), {}, NOW
    )
    text = "\n".join(explain(decision))
    assert "automation-failed-recently" in text
    assert "careful-spenders-billing" in text
    assert "serve-when-busy" in text
    assert set(GUARDRAILS) >= _guardrails(decision)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("then: {queue: fast", "then: {queue: fsat"),
            "routing[0] 'low-value-last'.then.queue: unknown queue 'fsat'",
        ),
        (("when: arpu < 20.0", "when: arpu <"), "routing[0] 'low-value-last'.when: "),
        (("when: arpu < 20.0", "when: revenue < 20.0"), "unknown fact 'revenue'"),
        (("when: arpu < 20.0", 'when: channel == "voice"'), "routing rules cannot use 'channel'"),
        (("when: arpu < 20.0", "when: tier > 3"), "routing[0] 'low-value-last'.when: "),
        (("when: arpu < 20.0", "when: arpu"), "must be true or false"),
        (("floor: 40", "flor: 40"), "queues.fast.flor: Extra inputs are not permitted"),
        (("name: offers", "name: low-value-last"), "rule names must be unique"),
        (('version: "t1"', 'version: "t1"\ntimezone: Mars/Olympus'), "timezone: unknown time zone"),
        (
            ("default_queue: general", "default_queue: fast"),
            "default_queue: must serve every channel",
        ),
        (("priority: 1,", "priority: -1,"), "routing[0] 'low-value-last'.then.priority"),
    ],
)
def test_a_bad_policy_names_the_rule_and_the_field(change: tuple[str, str], message: str) -> None:
    text = POLICY_WITH_LOW_VALUE_RULE.replace(*change)
    assert text != POLICY_WITH_LOW_VALUE_RULE
    with pytest.raises(
        PolicyError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    ):
        parse_policy(text)


def test_a_missing_or_broken_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [unclosed")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(broken)


def test_a_rule_that_cannot_be_evaluated_for_one_contact_does_not_match() -> None:
    policy = parse_policy(
        POLICY_WITH_LOW_VALUE_RULE.replace("when: arpu < 20.0", "when: load.care.occupancy > 0.5")
    )
    decision = policy.route(arrival(), customer(), {}, NOW)  # no load for 'care'
    assert decision.queue == "general"
    assert any(e.name == "rule-error" for e in decision.explanation)


def test_version_changes_with_the_content() -> None:
    one = parse_policy(POLICY_WITH_LOW_VALUE_RULE)
    two = parse_policy(POLICY_WITH_LOW_VALUE_RULE + "\ndescription: edited\n")
    assert isinstance(one, Policy)
    assert one.version != two.version
    assert one.version.startswith("t1+")
