"""Opening hours, holidays, the closed-hours route, and overflow steps in the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omniroute.router.codec import InboundRecord
from omniroute.router.core import RoutedBatch, route_events
from omniroute.router.policy import PolicyError, parse_policy
from omniroute.schemas import (
    Channel,
    ContactTarget,
    InteractionAbandoned,
    InteractionEvent,
    RecentContact,
    Tier,
)
from tests.support.policy import arrival, customer

POLICY = """
version: hours-1
timezone: Europe/London
queues:
  general: {pool: care}
  callbacks: {pool: care}
  night: {pool: tech}
  written: {pool: care}
default_queue: general
hours:
  care:
    open: {mon: "08:00-20:00", tue: "08:00-20:00", wed: "08:00-20:00",
           thu: "08:00-20:00", fri: "08:00-20:00", sat: ["09:00-12:00", "13:00-17:00"]}
    holidays: [2026-12-25]
    closed: {target: self_service, message: "We open at 8:00"}
  callbacks:
    open: {mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00",
           fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00"}
routing:
  - {name: vip-callbacks, when: 'tier == "vip"', then: {queue: general, priority: 90}}
"""

# Wednesday 2 December 2026: 14:30 UTC is 14:30 in London (winter time).
OPEN = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
NIGHT = datetime(2026, 12, 2, 21, 5, tzinfo=UTC)
CHRISTMAS = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)
SATURDAY_LUNCH = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)


def _closed(decision: object) -> list[str]:
    return [e.detail for e in decision.explanation if e.name == "closed-hours"]  # type: ignore[attr-defined]


def test_a_contact_while_open_is_queued_as_usual() -> None:
    decision = parse_policy(POLICY).route(arrival(Channel.CHAT), customer(), {}, OPEN)
    assert decision.target is ContactTarget.AGENT_QUEUE
    assert decision.queue == "general"
    assert decision.closed_queue is None
    assert _closed(decision) == []


@pytest.mark.parametrize(
    ("moment", "why"),
    [
        (NIGHT, "outside opening hours (Wed 2026-12-02 21:05 Europe/London)"),
        (CHRISTMAS, "holiday (Fri 2026-12-25 11:00 Europe/London)"),
        (SATURDAY_LUNCH, "outside opening hours (Sat 2026-12-05 12:30 Europe/London)"),
    ],
)
def test_a_contact_while_closed_gets_the_closed_hours_route_and_why(
    moment: datetime, why: str
) -> None:
    decision = parse_policy(POLICY).route(arrival(Channel.CHAT), customer(), {}, moment)
    assert decision.target is ContactTarget.SELF_SERVICE
    assert decision.closed_queue == "general"
    assert _closed(decision) == [
        f"general closed (hours care): {why} -> self_service; We open at 8:00"
    ]


def test_voice_goes_to_the_ivr_and_email_waits_in_its_queue_for_the_opening() -> None:
    policy = parse_policy(POLICY.replace("target: self_service", "target: automation"))
    voice = policy.route(arrival(Channel.VOICE), customer(), {}, NIGHT)
    assert voice.target is ContactTarget.IVR
    email = policy.route(arrival(Channel.EMAIL), customer(), {}, NIGHT)
    assert (email.target, email.queue, email.closed_queue) == (
        ContactTarget.AGENT_QUEUE,
        "general",
        "general",
    )
    assert _closed(email)[0].endswith("-> waits in queue for the opening; We open at 8:00")


def test_a_closed_route_to_a_callback_queue_keeps_the_rules_priority() -> None:
    policy = parse_policy(
        POLICY.replace(
            'closed: {target: self_service, message: "We open at 8:00"}',
            "closed: {target: queue, queue: callbacks}",
        )
    )
    decision = policy.route(arrival(Channel.VOICE), customer(Tier.VIP), {}, NIGHT)
    assert (decision.target, decision.queue, decision.priority) == (
        ContactTarget.AGENT_QUEUE,
        "callbacks",
        90,
    )
    assert _closed(decision)[0].endswith("-> callbacks")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("hours:\n  care:", "hours:\n  nowhere:"), "hours.nowhere: neither a queue nor a pool"),
        (('"08:00-20:00", tue', '"20:00-08:00", tue'), "ends before it starts"),
        (('mon: "08:00-20:00"', 'mon: "8-20"'), "hours.care.open.mon"),
        (("timezone: Europe/London", "timezone: Mars/Olympus"), "unknown time zone"),
        (("target: self_service,", "target: queue,"), "hours.care.closed.queue: a queue is needed"),
        (
            ("target: self_service,", "target: self_service, queue: nowhere,"),
            "hours.care.closed.queue: only with target: queue",
        ),
        (
            ("target: self_service,", "target: queue, queue: nowhere,"),
            "hours.care.closed.queue: a queue is needed, got 'nowhere'",
        ),
    ],
)
def test_bad_hours_name_the_field(change: tuple[str, str], message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_policy(POLICY.replace(*change))


OVERFLOW = """
version: overflow-1
queues:
  general:
    pool: care
    overflow: [{after_seconds: 30, to: tech_help}, {after_seconds: 90, to: backup}]
  tech_help: {pool: tech, skills: [{skill: technical, min_proficiency: 2}]}
  backup: {pool: care}
default_queue: general
"""


def test_the_decision_carries_its_queues_overflow_steps_and_history_names_their_pools() -> None:
    decision = parse_policy(OVERFLOW).route(arrival(Channel.CHAT), customer(), {}, OPEN)
    steps = [(s.after_seconds, s.queue, s.pool) for s in decision.overflow]
    assert steps == [(30, "tech_help", "tech"), (90, "backup", "care")]
    assert [r.skill for r in decision.overflow[0].required_skills] == ["technical"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("to: backup", "to: nowhere"), "queues.general.overflow[1].to: unknown queue 'nowhere'"),
        (("to: backup", "to: general"), "queues.general.overflow[1].to: overflows into itself"),
        (("after_seconds: 90", "after_seconds: 20"), "after_seconds must increase"),
    ],
)
def test_bad_overflow_steps_name_the_field(change: tuple[str, str], message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_policy(OVERFLOW.replace(*change))


def test_a_follow_up_reaches_the_pools_an_overflow_step_may_have_moved_the_contact_to() -> None:
    policy = parse_policy(OVERFLOW)

    def batch(event: InteractionEvent, recent: tuple[RecentContact, ...]) -> RoutedBatch:
        record = InboundRecord("omniroute.interactions", 0, 0, b"c1", b"", None)
        return route_events(
            [(record, event)],
            {"c1": customer(recent=recent)},
            policy,
            {},
            now=OPEN,
            keep=20,
            max_age=timedelta(days=1),
        )

    arrived = batch(arrival(Channel.CHAT, time=OPEN), ())
    [line] = [r for r in arrived.history["c1"] if r.interaction_id == "i-now"]
    assert (line.pool, line.overflow_pools) == ("care", ("tech",))
    gone = InteractionAbandoned(
        id="e-gone",
        source="/t",
        interaction_id="i-now",
        customer_id="c1",
        channel=Channel.CHAT,
        stage="queue",
        time=OPEN,
    )
    pools = [pool for pool, _ in batch(gone, arrived.history["c1"]).to_assigner]
    assert pools == ["care", "tech"]


def test_a_contact_a_guardrail_sends_to_an_agent_is_not_sent_back_to_automation_when_closed() -> (
    None
):
    decision = parse_policy(POLICY).route(
        arrival(Channel.CHAT, requested_agent=True), customer(), {}, NIGHT
    )
    assert (decision.target, decision.queue, decision.closed_queue) == (
        ContactTarget.AGENT_QUEUE,
        "general",
        "general",
    )
    assert "agent-on-request" in {e.name for e in decision.explanation}
    assert _closed(decision)[0].endswith("-> waits in queue for the opening; We open at 8:00")


def test_a_closed_route_queue_must_take_every_channel() -> None:
    policy = POLICY.replace(
        'closed: {target: self_service, message: "We open at 8:00"}',
        "closed: {target: queue, queue: written}",
    ).replace("written: {pool: care}", "written: {pool: care, channels: [email]}")
    with pytest.raises(PolicyError, match=r"hours\.care\.closed\.queue: written must serve every"):
        parse_policy(policy)
