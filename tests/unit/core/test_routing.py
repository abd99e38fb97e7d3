"""The pure routing core: decoding, routing a batch, folding history. No I/O."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from omniroute.router.codec import InboundRecord, decode_batch
from omniroute.router.core import (
    CustomerRecord,
    LoadView,
    RoutableEvent,
    apply_to_history,
    decision_id,
    route_events,
)
from omniroute.router.policy import Policy, default_policy
from omniroute.schemas import (
    AutomationCompleted,
    Channel,
    ContactOutcome,
    ContactTarget,
    CustomerProfile,
    DeadLetterReason,
    InteractionArrived,
    InteractionEscalated,
    InteractionEvent,
    InteractionEventAdapter,
    RecentContact,
    RoutingDecision,
    Tier,
    new_event_id,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
POLICY = default_policy()


def _record(value: bytes, offset: int = 0) -> InboundRecord:
    return InboundRecord("omniroute.interactions", 0, offset, b"k", value, 1)


def _arrival(
    customer: str = "c1", channel: Channel = Channel.VOICE, **kw: object
) -> InteractionArrived:
    return InteractionArrived.model_validate(
        {
            "id": new_event_id(),
            "source": "/t",
            "interaction_id": f"i-{channel.value}",
            "customer_id": customer,
            "channel": channel,
            "time": NOW,
        }
        | kw
    )


def _customer(tier: Tier = Tier.STANDARD, **kw: object) -> CustomerRecord:
    return CustomerRecord("c1", CustomerProfile(customer_id="c1", name="Ada", tier=tier), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"", DeadLetterReason.NOT_JSON),
        (b"{", DeadLetterReason.NOT_JSON),
        (b"[1]", DeadLetterReason.INVALID_VALUE),
        (b'{"type": "nope"}', DeadLetterReason.UNKNOWN_TYPE),
        (b'{"source": "/t"}', DeadLetterReason.MISSING_FIELD),
        (b"x" * 300, DeadLetterReason.OVERSIZED),
    ],
)
def test_decode_turns_each_malformed_record_into_a_dead_letter(
    value: bytes, reason: DeadLetterReason
) -> None:
    result = decode_batch(
        [_record(value, 7)], InteractionEventAdapter, max_bytes=256, stage="router", now=NOW
    )
    assert result.events == []
    (letter,) = result.dead_letters
    assert letter.reason is reason
    assert letter.original_offset == 7
    assert letter.original_value() == value


def test_decode_keeps_good_events_in_order_around_bad_ones() -> None:
    good = [_arrival(channel=c).model_dump_json().encode() for c in (Channel.CHAT, Channel.SMS)]
    result = decode_batch(
        [_record(good[0], 0), _record(b"bad", 1), _record(good[1], 2)],
        InteractionEventAdapter,
        max_bytes=65536,
        stage="router",
        now=NOW,
    )
    assert [r.offset for r, _ in result.events] == [0, 2]
    assert [e.channel for _, e in result.events] == [Channel.CHAT, Channel.SMS]
    assert [d.original_offset for d in result.dead_letters] == [1]


def test_route_events_decides_routable_events_and_feeds_history_forward() -> None:
    first = _arrival(interaction_id="i-1")
    second = _arrival(interaction_id="i-2", channel=Channel.CHAT)
    done = AutomationCompleted.model_validate(
        {
            "id": new_event_id(),
            "source": "/t",
            "interaction_id": "i-1",
            "customer_id": "c1",
            "channel": "voice",
            "stage": "ivr",
            "resolved": False,
            "time": NOW,
        }
    )
    ordered: list[InteractionEvent] = [first, done, second]
    events = [(_record(b"", n), e) for n, e in enumerate(ordered)]
    batch = route_events(events, {"c1": _customer()}, POLICY, {}, now=NOW, keep=10, max_age=WEEK)
    assert [d.interaction_id for _, d in batch.decisions] == ["i-1", "i-2"]
    assert batch.decisions[0][1].id == decision_id(first)
    history = batch.history["c1"]
    assert [(c.interaction_id, c.outcome) for c in history] == [
        ("i-1", ContactOutcome.FAILED_IN_AUTOMATION),
        ("i-2", ContactOutcome.ROUTED),
    ]
    # The second decision saw the first contact in the customer's context.
    assert [c.interaction_id for c in batch.decisions[1][1].customer.recent_contacts] == ["i-1"]


class _Delegate:
    """A ``RoutingPolicy`` that hands every call to ``Policy``: tests override ``route``
    here rather than subclass ``Policy``, which a mypyc-compiled build makes a native
    class that interpreted classes cannot inherit from (build/mypyc, docs/performance.md)."""

    def __init__(self, inner: Policy) -> None:
        self._inner = inner

    @property
    def version(self) -> str:
        return self._inner.version

    @property
    def pools(self) -> frozenset[str]:
        return self._inner.pools

    def route(
        self,
        event: RoutableEvent,
        customer: CustomerRecord,
        load: LoadView,
        now: datetime,
        *,
        decision_id: str | None = None,
    ) -> RoutingDecision:
        return self._inner.route(event, customer, load, now, decision_id=decision_id)


def test_a_failing_policy_dead_letters_the_event_instead_of_stopping() -> None:
    class Broken(_Delegate):
        def route(
            self,
            event: RoutableEvent,
            customer: CustomerRecord,
            load: LoadView,
            now: datetime,
            *,
            decision_id: str | None = None,
        ) -> RoutingDecision:
            raise ZeroDivisionError("bug")

    batch = route_events(
        [(_record(b"x"), _arrival())],
        {},
        Broken(POLICY),
        {},
        now=NOW,
        keep=5,
        max_age=WEEK,
    )
    assert batch.decisions == []
    assert batch.failures[0].reason is DeadLetterReason.PROCESSING_ERROR
    assert "ZeroDivisionError" in batch.failures[0].detail


def test_history_is_idempotent_bounded_and_ages_out() -> None:
    policy = POLICY
    recent: tuple[RecentContact, ...] = ()
    for n in range(8):
        event = _arrival(interaction_id=f"i-{n}", time=NOW + timedelta(minutes=n))
        decision = policy.route(event, _customer(), {}, NOW)
        recent = apply_to_history(recent, event, decision, now=NOW, keep=5, max_age=WEEK)
        again = apply_to_history(recent, event, decision, now=NOW, keep=5, max_age=WEEK)
        assert again == recent, "a redelivered event does not add a line"
    assert [c.interaction_id for c in recent] == [f"i-{n}" for n in range(3, 8)]
    later = NOW + WEEK + timedelta(hours=1)
    event = _arrival(interaction_id="i-late", time=later)
    aged = apply_to_history(
        recent, event, policy.route(event, _customer(), {}, later), now=later, keep=5, max_age=WEEK
    )
    assert [c.interaction_id for c in aged] == ["i-late"]


def test_an_escalation_retargets_the_same_line_and_marks_it_escalated() -> None:
    policy = POLICY
    arrival = _arrival(interaction_id="i-1")
    recent = apply_to_history(
        (), arrival, policy.route(arrival, _customer(), {}, NOW), now=NOW, keep=5, max_age=WEEK
    )
    escalation = InteractionEscalated.model_validate(
        {
            "id": new_event_id(),
            "source": "/t",
            "interaction_id": "i-1",
            "customer_id": "c1",
            "channel": "voice",
            "from_stage": "ivr",
            "time": NOW,
        }
    )
    decision = policy.route(escalation, _customer(), {}, NOW)
    (line,) = apply_to_history(recent, escalation, decision, now=NOW, keep=5, max_age=WEEK)
    assert line.outcome is ContactOutcome.ESCALATED
    assert line.target is ContactTarget.AGENT_QUEUE


def test_dead_letter_json_keeps_the_original_bytes() -> None:
    (letter,) = decode_batch(
        [_record(b"\x00\xffbinary")],
        InteractionEventAdapter,
        max_bytes=100,
        stage="router",
        now=NOW,
    ).dead_letters
    assert json.loads(letter.model_dump_json())["original_value_b64"] == "AP9iaW5hcnk="


def test_queued_contacts_and_their_follow_ups_are_forwarded_to_the_pool() -> None:
    queued = _arrival(interaction_id="i-q", requested_agent=True)
    automated = _arrival(interaction_id="i-a", channel=Channel.VOICE, reason="password_reset")

    def follow_up(kind: str, interaction: str, stage: str = "queue") -> InteractionEvent:
        return InteractionEventAdapter.validate_python(
            {
                "type": f"omniroute.interaction.{kind}",
                "id": new_event_id(),
                "source": "/t",
                "interaction_id": interaction,
                "customer_id": "c1",
                "channel": "voice",
                "stage": stage,
                "outcome": "resolved",
                "time": NOW,
            }
        )

    ordered = [
        queued,
        automated,
        follow_up("abandoned", "i-q"),
        follow_up("abandoned", "i-a", stage="ivr"),
        follow_up("callback_requested", "i-q"),
    ]
    batch = route_events(
        [(_record(b"", n), e) for n, e in enumerate(ordered)],
        {"c1": _customer()},
        POLICY,
        {},
        now=NOW,
        keep=10,
        max_age=WEEK,
    )
    forwarded = [
        (pool, type(m).__name__, getattr(m, "update", None)) for pool, m in batch.to_assigner
    ]
    assert forwarded == [
        ("care", "RoutingDecision", None),
        ("care", "InteractionUpdate", "abandoned"),
        ("care", "InteractionUpdate", "callback_requested"),
    ], "only contacts that went to an agent queue reach the pool"


def test_route_events_derives_each_decision_id_once_and_hands_it_to_the_policy() -> None:
    """The id is derived in one place per event (no global cache of the last digest):
    the policy is handed it, and a policy handed an id carries exactly that id."""
    handed: list[str | None] = []

    class Spy(_Delegate):
        def route(
            self,
            event: RoutableEvent,
            customer: CustomerRecord,
            load: LoadView,
            now: datetime,
            *,
            decision_id: str | None = None,
        ) -> RoutingDecision:
            handed.append(decision_id)
            return super().route(event, customer, load, now, decision_id=decision_id)

    event = _arrival()
    batch = route_events(
        [(_record(b"x"), event)], {}, Spy(POLICY), {}, now=NOW, keep=5, max_age=WEEK
    )

    assert handed == [decision_id(event)]
    assert batch.decisions[0][1].id == decision_id(event)
    assert POLICY.route(event, _customer(), {}, NOW, decision_id="d:given:1").id == "d:given:1"
    assert POLICY.route(event, _customer(), {}, NOW).id == decision_id(event)


def test_an_agents_end_names_them_in_history_and_confirms_the_reason() -> None:
    """What the assigner publishes when an agent completes a contact: the history
    line gets the agent (the next contact's sticky agent) and the reason the agent
    confirmed, replacing the one the IVR guessed."""
    arrival = _arrival(interaction_id="i-1", reason="billing")
    decision = POLICY.route(arrival, _customer(), {}, NOW)
    recent = apply_to_history((), arrival, decision, now=NOW, keep=5, max_age=WEEK)
    ended = InteractionEventAdapter.validate_python(
        {
            "type": "omniroute.interaction.ended",
            "id": "ended-1",
            "source": "/omniroute/assigner",
            "interaction_id": "i-1",
            "customer_id": "c1",
            "channel": "voice",
            "outcome": "resolved",
            "handled_by": "agent",
            "agent_id": "a-7",
            "reason": "payment",
            "time": NOW,
        }
    )
    (line,) = apply_to_history(recent, ended, None, now=NOW, keep=5, max_age=WEEK)
    assert (line.agent_id, line.reason, line.outcome) == ("a-7", "payment", ContactOutcome.RESOLVED)
