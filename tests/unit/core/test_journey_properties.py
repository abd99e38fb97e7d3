"""Guardrails over whole journeys (issue 10): generated contacts of a few customers
across channels and reasons, arriving, going through automation, escalating,
abandoning, asking for a callback and ending over time, folded batch by batch
through the pure routing core with history carried between batches the way the
router stage carries it (not written when Redis was degraded or the write
failed). Every follow-up the router forwards is applied to the real assignment
stage, so a ghost (a contact left queued after its end or abandon) shows.

What the router cannot know is not asserted: an event of a batch whose history
was never written is invisible to later batches (those contacts went to an
agent anyway, the degraded default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from omniroute.router.codec import InboundRecord
from omniroute.router.core import CustomerRecord, RoutedBatch, route_events
from omniroute.router.policy import default_policy
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage
from omniroute.schemas import (
    ContactTarget,
    CustomerProfile,
    InteractionEvent,
    InteractionEventAdapter,
    InteractionUpdate,
    RecentContact,
    RoutingDecision,
)
from tests.support.examples import examples

POLICY = default_policy()
WINDOW = timedelta(seconds=POLICY.spec.guardrails.automation_failure_window_seconds)
REPEAT = timedelta(seconds=POLICY.spec.guardrails.repeat_window_seconds)
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CUSTOMERS = ("c1", "c2", "c3")
CHANNELS = ("voice", "chat", "email", "sms")
REASONS = ("billing", "password_reset", "delivery", "technical", None)
ACTIONS = ("arrive", "complete_ok", "complete_fail", "escalate", "abandon", "callback", "end")
KEEP = 64  # more lines than a journey has contacts: trimming is not under test here
EXAMPLES = {"count": 0}

Mode = Literal["ok", "degraded", "write_failed"]
Status = Literal["automation", "queued", "pending", "closed"]


@dataclass
class Contact:
    """What the front end knows of one interaction, and what the router was told."""

    interaction_id: str
    customer: str
    channel: str
    reason: str | None
    status: Status = "pending"
    pool: str | None = None  # the pool of its latest agent-queue decision
    stage: str = "ivr"


@dataclass
class Line:
    """What a written history can know of a contact (the oracle's view, not the fold)."""

    at: datetime
    reason: str | None
    failed: bool = False


@dataclass
class Journey:
    store: dict[str, tuple[RecentContact, ...]] = field(default_factory=dict)
    known: dict[str, dict[str, Line]] = field(default_factory=dict)  # written history
    contacts: dict[str, Contact] = field(default_factory=dict)
    assigner: AssignerStage = field(
        default_factory=lambda: AssignerStage(
            AssignerSettings(),
            AssignerMetrics(CollectorRegistry(), process=False),
            lambda pool: ([], [], []),
        )
    )
    next_id: int = 0


Step = tuple[int, str, str, str | None, int, bool]
WANTED: dict[str, tuple[Status, ...]] = {
    "complete_ok": ("automation",),
    "complete_fail": ("automation",),
    "escalate": ("automation",),
    "callback": ("queued",),
}
"""The contacts an action can follow up on; with none, the step is an arrival."""

steps = st.tuples(
    st.integers(0, len(CUSTOMERS) - 1),
    st.sampled_from(ACTIONS),
    st.sampled_from(CHANNELS),
    st.sampled_from(REASONS),
    st.integers(0, 7),
    st.booleans(),
)
batches = st.lists(
    st.tuples(
        st.integers(0, 45),  # minutes since the previous batch
        st.sampled_from(("ok", "ok", "ok", "degraded", "write_failed")),
        st.lists(steps, min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=10,
)


def _event(kind: str, contact: Contact, now: datetime, n: int, **fields: Any) -> InteractionEvent:
    return InteractionEventAdapter.validate_python(
        {
            "type": f"omniroute.interaction.{kind}",
            "id": f"e{n}-{kind}-{contact.interaction_id}",
            "source": "/journey",
            "interaction_id": contact.interaction_id,
            "customer_id": contact.customer,
            "channel": contact.channel,
            "time": now,
        }
        | fields
    )


def _follow_up(
    contact: Contact, action: str, now: datetime, n: int, flag: bool
) -> InteractionEvent:
    """The event the front end sends for ``action`` on a contact, as its status allows;
    the contact's status moves on as the front end sees it."""
    in_automation = contact.status == "automation"
    stage = contact.stage
    if action == "complete_fail":
        return _event(
            "automation_completed",
            contact,
            now,
            n,
            stage=stage,
            resolved=False,
            reason=contact.reason,
        )
    if action == "complete_ok":
        contact.status = "closed"
        return _event(
            "automation_completed",
            contact,
            now,
            n,
            stage=stage,
            resolved=True,
            reason=contact.reason,
        )
    if action == "escalate":
        contact.status = "pending"
        return _event(
            "escalated", contact, now, n, from_stage=stage, reason=contact.reason if flag else None
        )
    if action == "callback":
        return _event("callback_requested", contact, now, n)
    contact.status = "closed"
    if action == "abandon":
        return _event("abandoned", contact, now, n, stage=stage if in_automation else "queue")
    return _event(
        "ended",
        contact,
        now,
        n,
        outcome="resolved" if flag else "unresolved",
        handled_by=stage if in_automation else "agent",
    )


def _next_events(journey: Journey, raw: list[Step], now: datetime) -> list[InteractionEvent]:
    events: list[InteractionEvent] = []
    for customer_index, action, channel, reason, pick, flag in raw:
        customer = CUSTOMERS[customer_index]
        n = journey.next_id = journey.next_id + 1
        wanted = WANTED.get(action, ("automation", "queued"))
        candidates = [
            c for c in journey.contacts.values() if c.customer == customer and c.status in wanted
        ]
        if action == "arrive" or not candidates:
            contact = Contact(f"i{n}", customer, channel, reason)
            journey.contacts[contact.interaction_id] = contact
            events.append(
                _event(
                    "arrived", contact, now, n, reason=reason, requested_agent=flag and pick == 0
                )
            )
        else:
            events.append(_follow_up(candidates[pick % len(candidates)], action, now, n, flag))
    return events


def _route(
    journey: Journey, events: list[InteractionEvent], mode: Mode, now: datetime
) -> RoutedBatch:
    profiles = {c: CustomerProfile(customer_id=c, name=c, arpu=40.0) for c in CUSTOMERS}
    customers = {
        c: (
            CustomerRecord(c, None, (), lookup_failed=True)
            if mode == "degraded"
            else CustomerRecord(c, profiles[c], journey.store.get(c, ()))
        )
        for c in CUSTOMERS
    }
    records = [(InboundRecord("i", 0, n, None, b"", None), e) for n, e in enumerate(events)]
    routed = route_events(
        records, customers, POLICY, {}, now=now, keep=KEEP, max_age=timedelta(days=7)
    )
    for lines in routed.history.values():  # built without validation: prove they are valid
        assert [RecentContact.model_validate(line.model_dump()) for line in lines] == list(lines)
    if mode == "ok":  # the router stage writes history only then
        journey.store.update(routed.history)
    return routed


def _must_reach_an_agent(lines: dict[str, Line], event: InteractionEvent, now: datetime) -> bool:
    others = [line for iid, line in lines.items() if iid != event.interaction_id]
    failed = any(line.failed and now - line.at <= WINDOW for line in others)
    reason = getattr(event, "reason", None)
    repeat = reason is not None and any(
        line.reason == reason and now - line.at <= REPEAT for line in others
    )
    return failed or repeat or bool(getattr(event, "requested_agent", False))


def _check_batch(
    journey: Journey, events: list[InteractionEvent], routed: RoutedBatch, mode: Mode, now: datetime
) -> None:
    routable = [e for e in events if e.type.endswith(("arrived", "escalated"))]
    decisions = {d.cause_id: d for _, d in routed.decisions}
    assert routed.failures == []
    assert [d.cause_id for _, d in routed.decisions] == [e.id for e in routable], (
        "every routable event gets exactly one decision"
    )
    seen: dict[str, dict[str, Line]] = {
        c: {iid: Line(x.at, x.reason, x.failed) for iid, x in journey.known.get(c, {}).items()}
        for c in CUSTOMERS
    }
    forwarded = {
        (pool, m.interaction_id, m.update)
        for pool, m in routed.to_assigner
        if isinstance(m, InteractionUpdate)
    }
    for event in events:
        contact = journey.contacts[event.interaction_id]
        mine = seen[event.customer_id]
        decision = decisions.get(event.id)
        if decision is not None:
            if mode == "degraded" or event.type.endswith("escalated"):
                assert decision.target is ContactTarget.AGENT_QUEUE
                assert decision.degraded is (mode == "degraded")
            elif _must_reach_an_agent(mine, event, now):
                assert decision.target is ContactTarget.AGENT_QUEUE, (
                    f"{event.type} of {contact.customer} on {contact.reason} went to "
                    f"{decision.target.value}: {[e.name for e in decision.explanation]}"
                )
            _apply_decision(contact, decision)
            line = mine.get(event.interaction_id)
            failed = event.type.endswith("escalated") or bool(line and line.failed)
            mine[event.interaction_id] = Line(line.at if line else now, contact.reason, failed)
        else:
            kind = {
                "abandoned": "abandoned",
                "ended": "ended",
                "callback_requested": "callback_requested",
            }.get(event.type.rsplit(".", 1)[-1])
            if kind is not None and contact.pool is not None:
                assert (contact.pool, event.interaction_id, kind) in forwarded, (
                    f"{kind} of a contact queued in {contact.pool} was not forwarded there"
                )
            if _failed_in_automation(event) and event.interaction_id not in mine:
                mine[event.interaction_id] = Line(now, contact.reason, True)
            elif _failed_in_automation(event):
                mine[event.interaction_id].failed = True
    if mode == "ok":
        journey.known = seen


def _failed_in_automation(event: InteractionEvent) -> bool:
    kind = event.type.rsplit(".", 1)[-1]
    if kind == "automation_completed":
        return not event.resolved  # type: ignore[union-attr]
    return kind == "abandoned" and event.stage in ("ivr", "self_service")  # type: ignore[union-attr]


def _apply_decision(contact: Contact, decision: RoutingDecision) -> None:
    if decision.target is ContactTarget.AGENT_QUEUE:
        contact.pool = decision.pool
        if contact.status == "pending":
            contact.status = "queued"
    else:
        contact.pool = None
        contact.stage = decision.target.value
        if contact.status == "pending":
            contact.status = "automation"


def _feed_assigner(journey: Journey, routed: RoutedBatch, now: datetime) -> None:
    for pool, message in routed.to_assigner:
        journey.assigner.apply(pool, message, now.timestamp())


def _check_no_ghost(journey: Journey) -> None:
    pools = journey.assigner.pools
    for contact in journey.contacts.values():
        holders = {name for name, pool in pools.items() if pool.contact(contact.interaction_id)}
        if contact.status == "closed":
            assert holders == set(), f"{contact.interaction_id} ended but is queued in {holders}"
        elif contact.status == "queued":
            assert holders == {contact.pool}, f"{contact.interaction_id} is held by {holders}"
        else:
            assert holders == set(), f"{contact.interaction_id} in automation is held by {holders}"


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches)
def test_guardrails_and_follow_ups_hold_over_generated_journeys(
    plan: list[tuple[int, Mode, list[Step]]],
) -> None:
    EXAMPLES["count"] += 1
    journey = Journey()
    now = START
    for minutes, mode, raw in plan:
        now += timedelta(minutes=minutes)
        events = _next_events(journey, raw, now)
        routed = _route(journey, events, mode, now)
        _check_batch(journey, events, routed, mode, now)
        _feed_assigner(journey, routed, now)
    _check_no_ghost(journey)


def test_journeys_ran_the_examples_asked_for() -> None:
    """Runs after the property (file order) and reports how many journeys it tried."""
    print(f"journey property: {EXAMPLES['count']} generated journeys")
    assert EXAMPLES["count"] >= 100
