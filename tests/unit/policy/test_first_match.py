"""The routing rules remembered by the facts they read decide exactly as walking
them does, rule errors included, whatever came before (issue 25's plan)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniroute.router.policy import PolicyError, parse_policy
from omniroute.schemas import Channel, ContactOutcome, ContactTarget, Tier
from tests.support.examples import examples
from tests.support.policy import NOW, arrival, customer, earlier

# The second rule divides by zero for a customer with one earlier contact on the
# same reason (a rule error, which CEL raised as ZeroDivisionError and the router
# let through as a failed policy until this test), and matches or not otherwise.
POLICY = """
version: "plan-1"
queues:
  general: {pool: care, priority: 30}
  billing: {pool: care, priority: 40}
  fast: {pool: care, priority: 50}
  vip: {pool: care, priority: 90}
default_queue: general
routing:
  - name: vips
    when: tier == "vip"
    then: {queue: vip}
  - name: odd
    when: reason == "billing" && 3 / (same_reason_recent - 1) > 1
    then: {queue: fast}
  - name: billing
    when: reason in ["billing", "payment"] && segment != "careful"
    then: {queue: billing}
"""

contacts = st.tuples(
    st.sampled_from(Tier),
    st.sampled_from(["billing", "payment", "other"]),
    st.sampled_from(["budget", "careful", None]),
    st.integers(0, 4),
    st.sampled_from([Channel.VOICE, Channel.CHAT]),
)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(contacts, min_size=1, max_size=25))
def test_remembered_rules_decide_as_a_cold_walk_does(
    stream: list[tuple[Tier, str, str | None, int, Channel]],
) -> None:
    warm = parse_policy(POLICY)
    for tier, reason, segment, repeats, channel in stream:
        history = tuple(
            earlier(
                timedelta(minutes=5 + n),
                reason=reason,
                target=ContactTarget.AGENT_QUEUE,
                outcome=ContactOutcome.RESOLVED,
            )
            for n in range(repeats)
        )
        who = customer(tier=tier, segment=segment, recent=history)
        event = arrival(channel, reason=reason)
        cold = parse_policy(POLICY)  # a fresh memo: every rule walked
        decided = warm.route(event, who, {}, NOW)
        assert decided == cold.route(event, who, {}, NOW)
        if tier is not Tier.VIP and reason == "billing" and repeats == 1:
            assert [e.name for e in decided.explanation].count("rule-error") == 1


def test_a_rule_dividing_by_zero_on_the_sample_facts_is_refused_naming_it() -> None:
    """At load a division by zero was a bare ZeroDivisionError; it names the rule now."""
    with pytest.raises(PolicyError, match=r"routing\[1\] 'odd'\.when"):
        parse_policy(POLICY.replace("(same_reason_recent - 1)", "same_reason_recent"))
