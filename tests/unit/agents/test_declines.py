"""The decline cool-down, as a property: a contact an agent declined is never
offered back to that agent while another eligible agent is ready with room, and
a contact every agent has declined once is still offered to one of them."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from omniroute.agents import (
    AgentSpec,
    Contact,
    ContactState,
    OfferPlan,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
)
from omniroute.schemas import Channel
from tests.support.examples import examples

VOICE = Channel.VOICE


def _pool() -> Pool:
    # Misses never pause an agent here: the property is about who gets the contact.
    return Pool(
        PoolConfig(
            name="p",
            default_queue=QueueConfig(aging_per_second=1.0),
            offer_timeout_seconds=20,
            misses_before_not_ready=1000,
        )
    )


def _eligible_others(pool: Pool, declined: set[str], queue: str) -> list[str]:
    """Ready agents with room for a voice contact of ``queue`` who have not declined it."""
    return [
        a.agent_id
        for a in pool.agents()
        if a.presence is Presence.READY
        and queue in a.queues
        and a.has_room(VOICE)
        and a.agent_id not in declined
    ]


@settings(max_examples=examples(80), deadline=None)
@given(
    agents=st.lists(st.booleans(), min_size=1, max_size=6),
    contacts=st.integers(1, 4),
    script=st.lists(
        st.tuples(st.sampled_from(["reject", "accept", "ready", "busy"]), st.integers(0, 5)),
        max_size=40,
    ),
)
def test_a_declined_contact_goes_back_to_its_decliner_only_when_no_one_else_can(
    agents: list[bool], contacts: int, script: list[tuple[str, int]]
) -> None:
    """``agents``: whether each starts ready. Each step rejects, accepts or completes
    an offer, or changes an agent's presence; after each, every live offer of a
    declined contact went to a decliner only if no non-decliner was eligible."""
    pool = _pool()
    ids = [f"a{n}" for n in range(len(agents))]
    now = 0.0
    offers: dict[str, OfferPlan] = {}  # interaction -> its live offer

    def take(effects: Sequence[object]) -> None:
        for effect in effects:
            if isinstance(effect, OfferPlan):
                contact = pool.contact(effect.interaction_id)
                assert contact is not None
                declined = set(contact.declined)
                if effect.agent_id in declined:
                    # Offered back to a decliner: no one else could take it *now*.
                    assert not _eligible_others(pool, declined, contact.queue), (
                        f"{effect.interaction_id} went back to {effect.agent_id} "
                        f"while {_eligible_others(pool, declined, contact.queue)} were ready"
                    )
                offers[effect.interaction_id] = effect

    for agent_id, ready in zip(ids, agents, strict=True):
        spec = AgentSpec(agent_id, ("q",), {}, {VOICE: 1}, 1, Presence.NOT_READY)
        take(pool.login(spec, now))
        if ready:
            take(pool.set_presence(agent_id, Presence.READY, now))
    for n in range(contacts):
        take(pool.enqueue(Contact(f"c{n}", f"cust{n}", "q", VOICE, 0, now), now))
    for action, which in script:
        now += 1
        live = [o for o in offers.values() if _live(pool, o)]
        if action in ("reject", "accept") and live:
            offer = live[which % len(live)]
            del offers[offer.interaction_id]
            if action == "reject":
                take(pool.reject(offer.agent_id, offer.interaction_id, offer.offer_id, now))
            else:
                pool.accept(offer.agent_id, offer.interaction_id, offer.offer_id, now)
                take(pool.complete_work(offer.agent_id, offer.interaction_id, now))
        elif action == "ready":
            take(pool.set_presence(ids[which % len(ids)], Presence.READY, now))
        elif action == "busy":
            take(pool.set_presence(ids[which % len(ids)], Presence.NOT_READY, now))
        # Never stranded: a queued contact has no ready agent with room at all.
        for contact in pool.contacts():
            if contact.state is ContactState.QUEUED:
                assert not _eligible_others(pool, set(), contact.queue), contact.interaction_id


def _live(pool: Pool, offer: OfferPlan) -> bool:
    contact = pool.contact(offer.interaction_id)
    return (
        contact is not None
        and contact.state is ContactState.OFFERED
        and contact.offer_id == offer.offer_id
    )


@settings(max_examples=examples(40), deadline=None)
@given(agents=st.integers(1, 6))
def test_a_contact_every_agent_declined_once_is_never_stranded(agents: int) -> None:
    """Each agent in turn declines it: it goes to a new agent each time until all
    have declined, and then still to one of them, never left in the queue."""
    pool = _pool()
    ids = [f"a{n}" for n in range(agents)]
    for agent_id in ids:
        pool.login(AgentSpec(agent_id, ("q",), {}, {VOICE: 1}, 1, Presence.READY), 0)
    effects = pool.enqueue(Contact("c", "cust", "q", VOICE, 0, 0.0), 0)
    seen: list[str] = []
    for step in range(agents + 2):
        offer = next(e for e in effects if isinstance(e, OfferPlan))
        if step < agents:
            assert offer.agent_id not in seen, f"offered back to {offer.agent_id} early"
        seen.append(offer.agent_id)
        effects = pool.reject(offer.agent_id, "c", offer.offer_id, float(step + 1))
    assert set(seen) == set(ids)
    contact = pool.contact("c")
    assert contact is not None
    assert contact.state is ContactState.OFFERED
    assert set(contact.declined) == set(ids)
