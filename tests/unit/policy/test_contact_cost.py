"""The one cost definition, to the cent: a contact is counted once, an escalated
automation contact costs its agent once plus the automation it spent, and cost
avoided is net of automation that failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from omniroute.router.policy import (
    ContactFigures,
    CostTable,
    CustomerInsight,
    contact_cost,
    default_policy,
)
from omniroute.schemas import (
    AutomationCompleted,
    Channel,
    ContactTarget,
    CustomerContext,
    InteractionAbandoned,
    InteractionArrived,
    InteractionEnded,
    InteractionEscalated,
    RoutingDecision,
)

TABLE = default_policy().cost_table
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_the_default_costs_in_cents() -> None:
    expected = CostTable(
        agent_cents=500, staffed_written_cents=563, ivr_cents=36, self_service_cents=36
    )
    assert expected == TABLE
    assert default_policy().cost(ContactTarget.AGENT_QUEUE, Channel.EMAIL) == 5.63


def test_an_escalated_automation_contact_counts_its_agent_once_plus_its_automation() -> None:
    cost = contact_cost(
        TABLE,
        Channel.VOICE,
        first_target=ContactTarget.IVR,
        automation_stages=["ivr"],
        handled_by_agent=True,
        self_served=False,
    )
    assert (cost.expected, cost.realised, cost.baseline) == (36, 536, 500)
    assert (cost.automation, cost.automation_failed, cost.avoided) == (36, 36, -36)


def test_a_self_served_contact_avoids_an_agent_less_its_automation() -> None:
    cost = contact_cost(
        TABLE,
        Channel.CHAT,
        first_target=ContactTarget.SELF_SERVICE,
        automation_stages=["self_service"],
        handled_by_agent=False,
        self_served=True,
    )
    assert (cost.realised, cost.baseline, cost.avoided, cost.automation_failed) == (
        36,
        500,
        464,
        0,
    )


def test_an_abandoned_contact_claims_no_saving_and_its_automation_failed() -> None:
    cost = contact_cost(
        TABLE,
        Channel.VOICE,
        first_target=ContactTarget.IVR,
        automation_stages=["ivr"],
        handled_by_agent=False,
        self_served=False,
    )
    assert (cost.realised, cost.baseline, cost.avoided, cost.automation_failed) == (
        36,
        0,
        -36,
        36,
    )


def test_written_channels_cost_the_staffed_written_rate() -> None:
    cost = contact_cost(
        TABLE,
        Channel.EMAIL,
        first_target=ContactTarget.AGENT_QUEUE,
        automation_stages=[],
        handled_by_agent=True,
        self_served=False,
    )
    assert (cost.expected, cost.realised, cost.baseline, cost.avoided) == (563, 563, 563, 0)


def _decision(
    interaction: str, target: ContactTarget, cause: str, **extra: object
) -> RoutingDecision:
    return RoutingDecision(
        id=f"d-{cause}",
        source="/tests",
        interaction_id=interaction,
        customer_id="c-1",
        channel=Channel.VOICE,
        cause_id=cause,
        cause_type="omniroute.interaction.arrived",
        target=target,
        policy_version="t",
        customer=CustomerContext(customer_id="c-1", known=True, arpu=80.0),
        **extra,  # type: ignore[arg-type]
    )


def test_a_journey_in_either_order_is_counted_once_with_its_decisions_cost() -> None:
    """Arrival -> IVR decision -> escalation -> agent decision -> end by an agent: one
    contact at $5.36 realised (not $5.36 + $5.00 for two decisions), whether the end
    is read before or after the decisions."""
    events = [
        InteractionArrived(
            id="e1",
            source="/t",
            time=T0,
            interaction_id="i1",
            customer_id="c-1",
            channel=Channel.VOICE,
            reason="billing",
        ),
        InteractionEscalated(
            id="e2",
            source="/t",
            time=T0 + timedelta(seconds=40),
            interaction_id="i1",
            customer_id="c-1",
            channel=Channel.VOICE,
            from_stage="ivr",
            automation_seconds=40.0,
        ),
        InteractionEnded(
            id="e3",
            source="/t",
            time=T0 + timedelta(seconds=400),
            interaction_id="i1",
            customer_id="c-1",
            channel=Channel.VOICE,
            outcome="resolved",
            agent_id="a1",
            waited_seconds=30.0,
        ),
    ]
    decisions = [
        _decision("i1", ContactTarget.IVR, "e1", reason="billing"),
        _decision("i1", ContactTarget.AGENT_QUEUE, "e2", reason="billing"),
    ]
    for order in ("events first", "decisions first"):
        insight = CustomerInsight()
        done = []
        first, second = (events, decisions) if order == "events first" else (decisions, events)
        for item in [*first, *second, *first]:  # and a redelivery of the first topic
            if isinstance(item, RoutingDecision):
                done.append(insight.on_decision(item, TABLE))
            else:
                done.append(insight.on_event(item, TABLE))
        finished = [d for d in done if d is not None]
        assert len(finished) == 1, order
        (contact,) = finished
        assert (contact.outcome, contact.segment, contact.reason) == (
            "agent",
            "careful_spender",
            "billing",
        )
        assert (contact.escalated, contact.automated, contact.repeat) == (True, True, False)
        assert (contact.cost.expected, contact.cost.realised, contact.cost.avoided) == (
            36,
            536,
            -36,
        )
        assert contact.perceived_wait_seconds == 70.0


def test_a_second_contact_on_the_same_reason_within_7_days_is_a_repeat() -> None:
    insight = CustomerInsight()
    figures = ContactFigures()
    for n, day in enumerate((0, 3, 11)):
        at = T0 + timedelta(days=day)
        interaction = f"i{n}"
        insight.on_event(
            InteractionArrived(
                id=f"a{n}",
                source="/t",
                time=at,
                interaction_id=interaction,
                customer_id="c-1",
                channel=Channel.CHAT,
                reason="outage",
            ),
            TABLE,
        )
        insight.on_decision(_decision(interaction, ContactTarget.SELF_SERVICE, f"a{n}"), TABLE)
        done = insight.on_event(
            AutomationCompleted(
                id=f"r{n}",
                source="/t",
                time=at,
                interaction_id=interaction,
                customer_id="c-1",
                channel=Channel.CHAT,
                stage="self_service",
                resolved=True,
            )
            if n != 1
            else InteractionAbandoned(
                id=f"r{n}",
                source="/t",
                time=at,
                interaction_id=interaction,
                customer_id="c-1",
                channel=Channel.CHAT,
                stage="self_service",
            ),
            TABLE,
        )
        assert done is not None
        figures.add(done)
        insight.expire(at)
    assert (figures.contacts, figures.self_served, figures.abandoned) == (3, 2, 1)
    assert figures.repeat == 1  # day 3 repeats day 0; day 11 is past the window
    assert figures.preventable == 3  # two self-served, one repeat
    assert (figures.realised_cents, figures.baseline_cents, figures.avoided_cents) == (
        108,
        1000,
        892,
    )
    restored = CustomerInsight.from_dict(insight.to_dict())
    assert restored.to_dict() == insight.to_dict()


def test_an_automation_result_for_a_contact_the_router_queued_does_not_self_serve_it() -> None:
    insight = CustomerInsight()
    common: dict[str, Any] = {
        "source": "/t",
        "time": T0,
        "interaction_id": "q1",
        "customer_id": "c-1",
        "channel": Channel.VOICE,
    }
    assert insight.on_decision(_decision("q1", ContactTarget.AGENT_QUEUE, "e1"), TABLE) is None
    resolved = AutomationCompleted(id="x1", stage="ivr", resolved=True, **common)
    assert insight.on_event(resolved, TABLE) is None
    done = insight.on_event(InteractionEnded(id="x2", outcome="resolved", **common), TABLE)
    assert done is not None
    assert (done.outcome, done.automated, done.cost.realised) == ("agent", False, 500)
