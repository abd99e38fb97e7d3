"""The edges of the core: public API, wire messages, persisted records, estimates."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from omniroute import agents
from omniroute.agents import (
    AgentPaused,
    AgentSpec,
    Contact,
    ContactState,
    Effect,
    OfferPlan,
    OfferRevocation,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
    contact_from_decision,
    effect_message,
    pool_load_message,
    spec_from_login,
    wait_estimate_message,
)
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPausedNotice,
    AgentPresence,
    Channel,
    ContactTarget,
    CustomerContext,
    Offer,
    OfferAccepted,
    OfferRevoked,
    RoutingDecision,
    SkillRequirement,
    new_event_id,
)

CONFIG = PoolConfig(
    name="pool", default_queue=QueueConfig(max_wait_seconds=60), prior_handle_seconds=100
)


def test_public_api_is_exactly_what_all_lists() -> None:
    public = {name for name in dir(agents) if not name.startswith("_")}
    assert set(agents.__all__) == public
    for name in agents.__all__:
        assert getattr(agents, name) is not None


def decision() -> RoutingDecision:
    return RoutingDecision(
        id=new_event_id(),
        source="/router",
        time=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        interaction_id="i1",
        customer_id="c1",
        channel=Channel.CHAT,
        cause_id="e1",
        cause_type="omniroute.interaction.arrived",
        reason="billing",
        target=ContactTarget.AGENT_QUEUE,
        queue="billing",
        pool="pool",
        priority=50,
        max_wait_seconds=120,
        perceived_wait_offset_seconds=35,
        required_skills=(SkillRequirement(skill="en", min_proficiency=7),),
        preferred_agent_id="a1",
        policy_version="v1",
        customer=CustomerContext(customer_id="c1", known=True, name="Ada"),
    )


def test_a_decision_becomes_a_queued_contact_and_its_offer_a_wire_offer() -> None:
    contact = contact_from_decision(decision())
    assert contact.enqueued_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()
    assert (contact.wait_offset, contact.max_wait, contact.requirements) == (35, 120, (("en", 7),))
    login = AgentLoggedIn(
        id=new_event_id(),
        source="/desk",
        agent_id="a1",
        pool="pool",
        queues=["billing"],
        skills={"en": 8},
        capacity={Channel.CHAT: 3},
        max_total=3,
        presence=AgentPresence.READY,
    )
    pool = Pool(CONFIG)
    pool.login(spec_from_login(login), contact.enqueued_at)
    [plan] = pool.enqueue(contact, contact.enqueued_at + 1)
    assert isinstance(plan, OfferPlan)
    message = effect_message(plan, "pool", "/assigner")
    assert isinstance(message, Offer)
    assert message.enqueued_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert (message.automation_seconds, message.customer.name) == (35, "Ada")
    assert (message.expires_at - message.enqueued_at).total_seconds() == 21
    [revoked] = pool.abandon("i1", contact.enqueued_at + 2)
    assert isinstance(effect_message(revoked, "pool", "/assigner"), OfferRevoked)


def test_a_decision_without_a_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="names no queue"):
        contact_from_decision(decision().model_copy(update={"queue": None}))


def test_load_and_wait_estimates_follow_handle_times_and_ready_agents() -> None:
    pool = Pool(CONFIG)
    assert math.isinf(pool.load(0).estimated_wait_seconds)  # nobody to serve: unknown
    for index in range(3):
        pool.enqueue(Contact(f"c{index}", "x", "q", Channel.VOICE, 0, 0.0, 10.0), 0)
    pool.login(AgentSpec("a", ("q",), {}, {Channel.VOICE: 1}, 1, Presence.READY), 5)
    pool.login(AgentSpec("b", ("q", "other"), {}, {Channel.VOICE: 1}, 1, Presence.READY), 5)
    pool.accept("a", "c0", "c0#1", 5)
    pool.complete_work("a", "c0", 65)  # 60 s handled: the queue's first real handle time
    load = pool.load(65)
    # a serves only q (1 slot / 60 s), b half its time (0.5 / 60 s): 1 contact per 40 s
    assert (load.queued, load.agents_logged_in, load.agents_ready) == (0, 2, 0)
    assert load.occupancy == 1.0
    pool.enqueue(Contact("late", "y", "q", Channel.VOICE, 0, 60.0), 66)
    [wait] = pool.wait_estimates(70)
    assert (wait.interaction_id, wait.position, wait.estimated_wait_seconds) == ("late", 1, 40.0)
    [queue_load] = [q for q in pool.load(70).queues if q.queue == "q"]
    assert (queue_load.queued, queue_load.longest_wait_seconds) == (1, 10.0)
    assert queue_load.estimated_wait_seconds == 80.0  # a newcomer would be second
    message = pool_load_message(pool.load(70), "pool", "/assigner")
    assert message.queued == 1
    assert wait_estimate_message(wait, "/assigner").position == 1


def test_records_rebuild_the_same_pool() -> None:
    pool = Pool(CONFIG)
    pool.login(AgentSpec("a", ("q",), {"en": 5}, {Channel.CHAT: 2}, 2, Presence.READY), 0)
    pool.login(AgentSpec("b", ("q",), {"en": 9}, {Channel.CHAT: 1}, 1, Presence.NOT_READY), 0)
    for index in range(4):
        pool.enqueue(
            Contact(f"c{index}", "x", "q", Channel.CHAT, index, 0.0, requirements=(("en", 4),)), 1
        )
    pool.accept("a", "c0", "c0#1", 2)  # c0 and c1 went to a as they came; c2, c3 wait
    changes = pool.drain_changes()
    assert changes
    contacts = [r for r in changes.contacts.values() if r is not None]
    agent_records = [r for r in changes.agents.values() if r is not None]
    restored, effects = Pool.restore(CONFIG, contacts, agent_records, [], 3)
    assert effects == []

    def states(p: Pool) -> dict[str, tuple[ContactState, str | None, float]]:
        return {c.interaction_id: (c.state, c.agent_id, c.enqueued_at) for c in p.contacts()}

    assert states(restored) == states(pool)
    assert states(restored)["c0"][:2] == (ContactState.ASSIGNED, "a")
    # the rebuilt indexes work: b comes ready and takes the best waiting contact
    effects = restored.set_presence("b", Presence.READY, 4)
    assert [(e.interaction_id, e.agent_id) for e in effects if isinstance(e, OfferPlan)] == [
        ("c3", "b")
    ]


def test_every_attempt_of_a_contact_with_the_longest_id_has_its_own_message_id() -> None:
    """Cutting ``offer:<interaction>@<n>`` to 128 characters made every attempt of a
    contact with a 128-character id one message id: desktops dropped the second offer
    as a duplicate of the first."""
    interaction = "i" * 128
    ids = set()
    for attempt in (1, 2, 12):
        revocation = OfferRevocation(f"{interaction}#{attempt}", "a1", interaction, "q", "timeout")
        message = effect_message(revocation, "pool", "/assigner")
        assert isinstance(message, OfferRevoked)
        assert message.offer_id == f"{interaction}#{attempt}"
        ids.add(message.id)
    assert len(ids) == 3
    short = effect_message(OfferRevocation("i1#2", "a1", "i1", "q", "timeout"), "pool", "/a")
    assert short is not None
    assert short.id == "revoked:timeout:i1@2"  # readable when it fits


@pytest.mark.parametrize("offer_id", ["i1", "i1#0", "i1#x", "i/1#1", "#1", "i1#1#2", ""])
def test_an_answer_naming_no_offer_the_assigner_could_issue_is_refused(offer_id: str) -> None:
    with pytest.raises(ValidationError):
        OfferAccepted(
            id=new_event_id(),
            source="/d",
            agent_id="a1",
            pool="pool",
            offer_id=offer_id,
            interaction_id="i1",
        )
    accepted = OfferAccepted(
        id=new_event_id(),
        source="/d",
        agent_id="a1",
        pool="pool",
        offer_id="i1#12",
        interaction_id="i1",
    )
    assert accepted.offer_id == "i1#12"


def _lapsed_while_unowned(grace: float) -> tuple[Pool, list[Effect]]:
    """Two contacts offered at t=1 (timeout 20 s); nobody owns the pool until t=30."""
    config = PoolConfig(name="pool", offer_timeout_seconds=20, takeover_grace_seconds=grace)
    pool = Pool(config)
    for agent in ("a", "b"):
        pool.login(AgentSpec(agent, ("q",), {}, {Channel.CHAT: 1}, 1, Presence.READY), 0)
    for n in (1, 2):
        pool.enqueue(Contact(f"c{n}", "x", "q", Channel.CHAT, 0, 1.0), 1)
    changes = pool.drain_changes()
    contacts = [r for r in changes.contacts.values() if r is not None]
    agent_records = [r for r in changes.agents.values() if r is not None]
    return Pool.restore(config, contacts, agent_records, [], 30)


def test_an_offer_that_lapsed_unowned_honours_the_accept_already_in_the_log() -> None:
    """The kill run: desktops accepted inside the offer's window while its worker was
    dead; the next owner expired the offers before reading those accepts, answered
    them "superseded" and offered the contacts again. With the grace, the accept
    read right after the takeover assigns, and an offer nobody answered still
    times out, once the grace is over."""
    restored, effects = _lapsed_while_unowned(grace=2.0)
    assert effects == []  # nothing revoked or re-offered at the takeover itself
    offers = {c.interaction_id: (c.agent_id, c.offer_id) for c in restored.contacts()}

    agent, offer_id = offers["c1"]
    assigned = restored.accept(agent or "", "c1", offer_id or "", 30.2)
    assert [type(e).__name__ for e in assigned] == ["ContactAssigned"]

    assert restored.tick(31.9) == []
    timed_out = restored.tick(32.0)
    assert [(e.interaction_id, e.why) for e in timed_out if isinstance(e, OfferRevocation)] == [
        ("c2", "timeout")
    ]


def test_without_the_grace_a_lapsed_offer_expires_at_the_takeover() -> None:
    _, effects = _lapsed_while_unowned(grace=0.0)
    assert sorted((e.interaction_id, e.why) for e in effects if isinstance(e, OfferRevocation)) == [
        ("c1", "timeout"),
        ("c2", "timeout"),
    ]


def test_an_agent_paused_after_missed_offers_becomes_a_notice_on_the_assignments_topic() -> None:
    notice = effect_message(AgentPaused("a1", 3), "pool-care", "/assigner")
    assert isinstance(notice, AgentPausedNotice)
    assert (notice.agent_id, notice.pool, notice.misses, notice.source) == (
        "a1",
        "pool-care",
        3,
        "/assigner",
    )
