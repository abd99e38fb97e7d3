"""After-contact work: a completed contact holds the agent's room for its queue's
wrap-up time, the agent may end it sooner, and nothing else ends it."""

from __future__ import annotations

from omniroute.agents import (
    AgentSpec,
    Contact,
    ContactState,
    Effect,
    OfferPlan,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
    contact_record,
)
from omniroute.schemas import Channel

VOICE = Channel.VOICE


def _pool(wrap_up: float = 30.0) -> Pool:
    return Pool(
        PoolConfig(
            name="care",
            queues={"sales": QueueConfig(wrap_up_seconds=wrap_up), "quick": QueueConfig()},
        )
    )


def _agent(agent_id: str = "a") -> AgentSpec:
    return AgentSpec(agent_id, ("sales", "quick"), {}, {VOICE: 1}, 1, Presence.READY)


def _contact(iid: str, at: float, queue: str = "sales") -> Contact:
    return Contact(iid, f"c-{iid}", queue, VOICE, 0, at)


def _offers(effects: list[Effect]) -> list[OfferPlan]:
    return [e for e in effects if isinstance(e, OfferPlan)]


def _served(pool: Pool, iid: str, at: float) -> None:
    """Queue ``iid`` at ``at`` and let agent ``a`` accept it then."""
    (offer,) = _offers(pool.enqueue(_contact(iid, at), at))
    pool.accept(offer.agent_id, iid, offer.offer_id, at)


def test_the_room_stays_held_for_the_queues_wrap_up_time_then_the_next_contact_is_offered() -> None:
    pool = _pool(wrap_up=30.0)
    pool.login(_agent(), 0.0)
    _served(pool, "i1", 1.0)
    assert pool.complete_work("a", "i1", 100.0) == []
    assert pool.contact("i1").state is ContactState.WRAP_UP  # type: ignore[union-attr]
    assert pool.agents_in_wrap_up() == 1
    assert _offers(pool.enqueue(_contact("i2", 101.0), 101.0)) == [], "no offer in wrap-up"
    assert pool.next_timer() == 130.0
    assert _offers(pool.tick(129.9)) == []
    (offer,) = _offers(pool.tick(130.0))
    assert (offer.interaction_id, offer.agent_id) == ("i2", "a")
    assert pool.contact("i1") is None
    assert pool.agents_in_wrap_up() == 0


def test_the_agent_can_end_wrap_up_early() -> None:
    pool = _pool(wrap_up=300.0)
    pool.login(_agent(), 0.0)
    _served(pool, "i1", 1.0)
    pool.complete_work("a", "i1", 50.0)
    pool.enqueue(_contact("i2", 51.0), 51.0)
    assert pool.end_wrap_up("someone-else", "i1", 52.0) == [], "only the agent ends it"
    (offer,) = _offers(pool.end_wrap_up("a", "i1", 60.0))
    assert offer.interaction_id == "i2"


def test_a_queue_without_wrap_up_frees_the_room_at_once() -> None:
    pool = _pool()
    pool.login(_agent(), 0.0)
    (offer,) = _offers(pool.enqueue(_contact("i1", 1.0, queue="quick"), 1.0))
    pool.accept("a", "i1", offer.offer_id, 2.0)
    pool.enqueue(_contact("i2", 3.0, queue="quick"), 3.0)
    (next_offer,) = _offers(pool.complete_work("a", "i1", 10.0))
    assert next_offer.interaction_id == "i2"


def test_the_end_of_the_interaction_or_an_abandon_does_not_cut_wrap_up_short() -> None:
    """The assigner's own end event comes back through the router: the agent's
    after-contact work goes on regardless."""
    pool = _pool(wrap_up=30.0)
    pool.login(_agent(), 0.0)
    _served(pool, "i1", 1.0)
    pool.complete_work("a", "i1", 10.0)
    pool.enqueue(_contact("i2", 11.0), 11.0)
    assert _offers(pool.end("i1", 12.0)) == []
    assert _offers(pool.abandon("i1", 13.0)) == []
    assert pool.contact("i1").state is ContactState.WRAP_UP  # type: ignore[union-attr]
    assert [o.interaction_id for o in _offers(pool.tick(40.0))] == ["i2"]


def test_handle_time_includes_wrap_up_as_erlang_c_counts_it() -> None:
    pool = _pool(wrap_up=30.0)
    pool.login(_agent(), 0.0)
    _served(pool, "i1", 0.0)
    pool.complete_work("a", "i1", 100.0)
    pool.tick(130.0)
    handle = pool.drain_changes().handle_times["sales"]
    assert handle["completions"] == 1
    assert handle["mean_seconds"] == 130.0, "talk 100 s + wrap-up 30 s"


def test_a_pool_rebuilt_mid_wrap_up_keeps_the_room_held_until_the_same_moment() -> None:
    pool = _pool(wrap_up=30.0)
    pool.login(_agent(), 0.0)
    _served(pool, "i1", 1.0)
    pool.complete_work("a", "i1", 100.0)
    record = contact_record(pool.contact("i1"))  # type: ignore[arg-type]
    assert record["state"] == "wrap_up"
    assert record["wrap_up_until"] == 130.0
    agents = [a for a in pool.drain_changes().agents.values() if a is not None]
    restored, effects = Pool.restore(pool.config, [record], agents, [], 110.0)
    assert effects == []
    assert restored.agents_in_wrap_up() == 1
    restored.enqueue(_contact("i2", 111.0), 111.0)
    assert restored.next_timer() == 130.0
    assert [o.interaction_id for o in _offers(restored.tick(130.0))] == ["i2"]
