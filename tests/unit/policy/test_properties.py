"""Properties of the routing policy over generated customers, contacts, loads and
policies: totality, the guardrails, consistent handling across channels, aging."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniroute.agents import contact_from_decision
from omniroute.router.codec import InboundRecord
from omniroute.router.core import CustomerRecord, route_events
from omniroute.router.policy import Policy, default_policy, parse_policy
from omniroute.schemas import (
    Channel,
    ContactOutcome,
    ContactTarget,
    CustomerProfile,
    ExplanationKind,
    InteractionArrived,
    InteractionEscalated,
    InteractionEvent,
    PoolLoad,
    RecentContact,
    RoutingDecision,
    Tier,
    new_event_id,
)
from tests.support.examples import examples
from tests.support.policy import NOW

REASONS = [
    "billing",
    "payment",
    "plan_change",
    "password_reset",
    "technical_fault",
    "outage",
    "cancellation",
    "new_service",
    "complaint",
    "delivery",
    "other",
]
SEGMENTS = [None, "budget", "careful_spender", "early_adopter", "premium"]
DEFAULT = default_policy()
FAST = settings(
    max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

reasons = st.sampled_from([None, *REASONS])


@st.composite
def recent_contacts(draw: st.DrawFn) -> tuple[RecentContact, ...]:
    lines = draw(
        st.lists(
            st.builds(
                RecentContact,
                interaction_id=st.uuids().map(str),
                at=st.integers(0, 3 * 3600).map(lambda s: NOW - timedelta(seconds=s)),
                channel=st.sampled_from(Channel),
                reason=reasons,
                target=st.sampled_from(ContactTarget),
                outcome=st.sampled_from(ContactOutcome),
                agent_id=st.sampled_from([None, "agent-1", "agent-2"]),
            ),
            max_size=6,
        )
    )
    return tuple(sorted(lines, key=lambda line: line.at))


@st.composite
def customers(draw: st.DrawFn) -> CustomerRecord:
    if draw(st.integers(0, 19)) == 0:
        return CustomerRecord("c1", None, (), lookup_failed=True)
    profile = draw(
        st.one_of(
            st.none(),
            st.builds(
                CustomerProfile,
                customer_id=st.just("c1"),
                name=st.sampled_from(["", "Ada"]),
                tier=st.sampled_from(Tier),
                arpu=st.floats(0, 600, allow_nan=False),
                segment=st.sampled_from(SEGMENTS),
            ),
        )
    )
    return CustomerRecord("c1", profile, draw(recent_contacts()))


@st.composite
def events(
    draw: st.DrawFn, channel: Channel | None = None
) -> InteractionArrived | InteractionEscalated:
    fields = {
        "id": "e-now",
        "source": "/t",
        "interaction_id": "i-now",
        "customer_id": "c1",
        "time": NOW,
        "channel": channel or draw(st.sampled_from(Channel)),
        "reason": draw(reasons),
        "automation_seconds": draw(st.floats(0, 900, allow_nan=False)),
        "automation_path": draw(st.lists(st.sampled_from(["welcome", "menu", "faq"]), max_size=3)),
    }
    if draw(st.booleans()):
        return InteractionEscalated.model_validate(fields | {"from_stage": "ivr"})
    return InteractionArrived.model_validate(fields | {"requested_agent": draw(st.booleans())})


@st.composite
def loads(draw: st.DrawFn) -> dict[str, PoolLoad]:
    result = {}
    for pool in draw(st.sets(st.sampled_from(["care", "tech"]))):
        result[pool] = PoolLoad(
            id=new_event_id(),
            source="/t",
            pool=pool,
            queued=draw(st.integers(0, 500)),
            longest_wait_seconds=draw(st.floats(0, 900)),
            agents_logged_in=50,
            agents_ready=draw(st.integers(0, 50)),
            occupancy=draw(st.floats(0, 1)),
            estimated_wait_seconds=draw(st.floats(0, 600)),
        )
    return result


CONDITIONS = [
    'tier == "vip"',
    'tier in ["gold", "vip"]',
    'reason == "billing"',
    'reason in ["cancellation", "complaint"]',
    'segment == "early_adopter"',
    "arpu > 120.0",
    "arpu < 40.0",
    "requested_agent",
    "same_reason_recent > 0",
    "hour >= 18",
    "known",
    "recent_contacts > 2",
    'last_outcome == "abandoned"',
    "automation_seconds > 60.0",
]


@st.composite
def opening_hours(draw: st.DrawFn, names: list[str]) -> list[str]:
    """``names``: the queues and pools of the policy."""
    """Opening hours that are open, closed or a holiday at ``NOW``, with any
    closed-hours route: the guardrails still hold."""
    lines = []
    every_day = ", ".join(
        f'{d}: "00:00-24:00"' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    schedules = {
        "open": f"{{{every_day}}}",
        "closed": "{}",
        "holiday": f"{{{every_day}}}, holidays: [{NOW.date()}]",
    }
    entries = draw(st.lists(st.sampled_from(sorted({"general", *names})), unique=True))
    if entries:
        lines.append("hours:")
    for entry in entries:
        kind = draw(st.sampled_from(sorted(schedules)))
        target = draw(st.sampled_from(["automation", "ivr", "self_service", "queue"]))
        route = f"{{target: {target}" + (", queue: general}" if target == "queue" else "}")
        lines.append(f"  {entry}: {{open: {schedules[kind]}, closed: {route}}}")
    return lines


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """Random but valid policies: queues with channel subsets, rules over many facts."""
    names = draw(st.lists(st.sampled_from(["q1", "q2", "q3", "q4"]), min_size=1, unique=True))
    steps = draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
    overflow = ", ".join(f"{{after_seconds: {30 * (n + 1)}, to: {q}}}" for n, q in enumerate(steps))
    queue_lines = [f"  general: {{pool: care, priority: 30, floor: 20, overflow: [{overflow}]}}"]
    pools = {name: draw(st.sampled_from(["care", "tech"])) for name in names}
    for name in names:
        channels = draw(st.sets(st.sampled_from(Channel), min_size=1))
        floor = draw(st.integers(0, 60))
        queue_lines.append(
            f"  {name}: {{pool: {pools[name]}, "
            f"priority: {floor + draw(st.integers(0, 40))}, floor: {floor}, "
            f"channels: [{', '.join(sorted(c.value for c in channels))}]}}"
        )
    routing = []
    for n in range(draw(st.integers(0, 6))):
        when = " && ".join(draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2)))
        priority = draw(st.one_of(st.none(), st.integers(0, 100)))
        action = [f"queue: {draw(st.sampled_from(['general', *names]))}"]
        if priority is not None:
            action.append(f"priority: {priority}")
        if draw(st.booleans()):
            action.append(f"max_wait_seconds: {draw(st.integers(1, 100000))}")
        if draw(st.booleans()):
            action.append("offer: true")
        routing.append(f"  - name: r{n}\n    when: '{when}'\n    then: {{{', '.join(action)}}}")
    automation = []
    for n in range(draw(st.integers(0, 3))):
        when = draw(
            st.sampled_from([*CONDITIONS, 'channel == "voice"', 'channel in ["web", "sms"]'])
        )
        automation.append(f"  - name: a{n}\n    when: '{when}'")
    text = "\n".join(
        [
            'version: "generated"',
            "queues:",
            *queue_lines,
            "default_queue: general",
            *draw(opening_hours([*names, "care", *pools.values()])),
            "automation:" + ("" if automation else " []"),
            *automation,
            "routing:" + ("" if routing else " []"),
            *routing,
        ]
    )
    return parse_policy(text)


def _guardrail_names(decision: RoutingDecision) -> set[str]:
    return {e.name for e in decision.explanation if e.kind is ExplanationKind.GUARDRAIL}


def _check_invariants(
    policy: Policy,
    event: InteractionArrived | InteractionEscalated,
    customer: CustomerRecord,
    load: dict[str, PoolLoad],
    decision: RoutingDecision,
) -> None:
    spec = policy.spec
    # A valid contract message, whatever the inputs (decisions skip re-validation).
    assert RoutingDecision.model_validate_json(decision.model_dump_json()) == decision
    assert decision.interaction_id == event.interaction_id
    assert decision.policy_version == policy.version
    recent = [r for r in customer.recent if r.interaction_id != event.interaction_id]
    window = timedelta(seconds=spec.guardrails.repeat_window_seconds)
    failure_window = timedelta(seconds=spec.guardrails.automation_failure_window_seconds)
    must_reach_agent = (
        customer.lookup_failed
        or isinstance(event, InteractionEscalated)
        or getattr(event, "requested_agent", False)
        or any(
            NOW - r.at <= failure_window
            and r.target in (ContactTarget.IVR, ContactTarget.SELF_SERVICE)
            and r.outcome in (ContactOutcome.FAILED_IN_AUTOMATION, ContactOutcome.ABANDONED)
            for r in recent
        )
        or any(event.reason and r.reason == event.reason and NOW - r.at <= window for r in recent)
    )
    closed = [e for e in decision.explanation if e.name == "closed-hours"]
    assert bool(closed) == (decision.closed_queue is not None)
    if must_reach_agent:
        assert decision.target is ContactTarget.AGENT_QUEUE
    if customer.lookup_failed:
        assert decision.degraded
    if decision.target is ContactTarget.IVR:
        assert event.channel is Channel.VOICE
    if decision.target is not ContactTarget.AGENT_QUEUE:
        assert event.channel in spec.automation_channels
        assert not decision.offer_allowed
        return
    assert decision.queue is not None
    queue = spec.queues[decision.queue]
    assert event.channel in queue.channels
    assert decision.priority >= queue.floor, "value never below the floor"
    bound = (queue.max_wait or spec.max_wait).of(event.channel)
    assert decision.max_wait_seconds is not None
    assert 0 < decision.max_wait_seconds <= bound, "every queued contact has a bounded wait"
    assert contact_from_decision(decision).max_wait == decision.max_wait_seconds
    assert decision.perceived_wait_offset_seconds == event.automation_seconds
    for step in decision.overflow:
        assert step.queue in spec.queues
        assert step.pool == spec.queues[step.queue].pool
    waits = [step.after_seconds for step in decision.overflow]
    assert waits == sorted(waits)
    if decision.offer_allowed:
        pool_load = load.get(queue.pool)
        assert pool_load is not None, "unknown load counts as busy"
        assert pool_load.occupancy <= spec.offers.max_occupancy
        assert pool_load.estimated_wait_seconds <= spec.offers.max_estimated_wait_seconds


@FAST
@given(event=events(), customer=customers(), load=loads())
def test_default_policy_decides_every_contact_within_the_guardrails(
    event: InteractionArrived | InteractionEscalated,
    customer: CustomerRecord,
    load: dict[str, PoolLoad],
) -> None:
    _check_invariants(DEFAULT, event, customer, load, DEFAULT.route(event, customer, load, NOW))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies(), event=events(), customer=customers(), load=loads())
def test_any_valid_policy_decides_every_contact_within_the_guardrails(
    policy: Policy,
    event: InteractionArrived | InteractionEscalated,
    customer: CustomerRecord,
    load: dict[str, PoolLoad],
) -> None:
    _check_invariants(policy, event, customer, load, policy.route(event, customer, load, NOW))


def _same_contact_on(
    channel: Channel,
    event: InteractionArrived | InteractionEscalated,
) -> InteractionArrived | InteractionEscalated:
    return event.model_copy(update={"channel": channel})


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=st.one_of(st.just(DEFAULT), policies()),
    event=events(),
    customer=customers(),
    load=loads(),
    first=st.sampled_from(Channel),
    second=st.sampled_from(Channel),
)
def test_contacts_differing_only_in_channel_get_the_same_queue_and_priority(
    policy: Policy,
    event: InteractionArrived | InteractionEscalated,
    customer: CustomerRecord,
    load: dict[str, PoolLoad],
    first: Channel,
    second: Channel,
) -> None:
    one = policy.route(_same_contact_on(first, event), customer, load, NOW)
    two = policy.route(_same_contact_on(second, event), customer, load, NOW)
    both_queued = one.target is two.target is ContactTarget.AGENT_QUEUE
    reachable = not ({"channel-fallback"} & (_guardrail_names(one) | _guardrail_names(two)))
    if both_queued and reachable:
        assert (one.queue, one.priority) == (two.queue, two.priority)
        assert one.offer_allowed == two.offer_allowed
        assert one.required_skills == two.required_skills


@FAST
@given(
    batch=st.lists(st.tuples(events(), st.sampled_from(["c1", "c2", "c3"])), max_size=20),
    customer=customers(),
)
def test_every_routable_event_in_a_batch_gets_exactly_one_decision(
    batch: list[tuple[InteractionArrived | InteractionEscalated, str]],
    customer: CustomerRecord,
) -> None:
    records: list[tuple[InboundRecord, InteractionEvent]] = [
        (
            InboundRecord("omniroute.interactions", 0, n, None, b""),
            event.model_copy(
                update={"customer_id": cid, "interaction_id": f"i-{n}", "id": f"e-{n}"}
            ),
        )
        for n, (event, cid) in enumerate(batch)
    ]
    customers_by_id = {
        cid: CustomerRecord(cid, customer.profile, (), customer.lookup_failed)
        for cid in ("c1", "c2", "c3")
    }
    routed = route_events(
        records, customers_by_id, DEFAULT, {}, now=NOW, keep=20, max_age=timedelta(days=30)
    )
    assert [d.cause_id for _, d in routed.decisions] == [e.id for _, e in records]
    assert routed.failures == []
    assert len({d.id for _, d in routed.decisions}) == len(records)
