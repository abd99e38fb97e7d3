"""Overflow in the pure pool, over generated floors: a contact is in exactly one
pool at a time, leaves only once its step is due and only while queued, and keeps
its queue entry in the pool it moves to."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from omniroute.agents import (
    AgentSpec,
    Contact,
    ContactAssigned,
    ContactOverflowed,
    ContactState,
    Effect,
    OfferPlan,
    Pool,
    PoolConfig,
    Presence,
)
from omniroute.schemas import Channel, OverflowStep
from tests.support.examples import examples

STEP = OverflowStep(after_seconds=30, queue="qb", pool="b")

arrivals = st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=12)
ticks = st.lists(st.floats(0, 200, allow_nan=False), max_size=15)
agent_times = st.lists(st.floats(0, 200, allow_nan=False), max_size=3)


@settings(max_examples=examples(80), deadline=None)
@given(arrived=arrivals, tick_at=ticks, a_agents=agent_times, b_agents=agent_times)
@example(arrived=[0.0, 10.0], tick_at=[35.0, 45.0], a_agents=[40.0], b_agents=[50.0])
def test_a_contact_is_in_one_pool_and_moves_only_when_due_and_queued(
    arrived: list[float], tick_at: list[float], a_agents: list[float], b_agents: list[float]
) -> None:
    pools = {"a": Pool(PoolConfig(name="a")), "b": Pool(PoolConfig(name="b"))}
    entered = {f"i{n}": at for n, at in enumerate(arrived)}
    timeline: list[tuple[float, int, str, str]] = []
    timeline += [(at, 0, "arrive", iid) for iid, at in entered.items()]
    timeline += [(at, 1, "agent-a", f"a{n}") for n, at in enumerate(a_agents)]
    timeline += [(at, 1, "agent-b", f"b{n}") for n, at in enumerate(b_agents)]
    timeline += [(at, 2, "tick", "") for at in tick_at]
    moved: dict[str, float] = {}

    def play(pool: str, effects: list[Effect], now: float) -> None:
        for effect in effects:
            if isinstance(effect, ContactOverflowed):
                iid = effect.contact.interaction_id
                assert pool == "a", "one step: only a's contacts move"
                assert iid not in moved, "a contact overflows once"
                assert now >= entered[iid] + STEP.after_seconds, "never before its step is due"
                assert effect.contact.enqueued_at == entered[iid], "its queue entry moves with it"
                moved[iid] = now
                play("b", pools["b"].enqueue(effect.contact, now), now)
            elif isinstance(effect, OfferPlan):
                offer = (effect.agent_id, effect.interaction_id, effect.offer_id)
                play(pool, pools[pool].accept(*offer, now), now)
            elif isinstance(effect, ContactAssigned):
                assert effect.interaction_id not in moved or pool == "b"

    here: set[str] = set()  # contacts whose arrival has been played
    ticked: list[float] = []
    for at, _, kind, name in sorted(timeline):
        if kind == "arrive":
            contact = Contact(name, name, "qa", Channel.CHAT, 0, at, overflow=(STEP,))
            play("a", pools["a"].enqueue(contact, at), at)
            here.add(name)
        elif kind.startswith("agent"):
            pool = kind[-1]
            spec = AgentSpec(name, (f"q{pool}",), {}, {Channel.CHAT: 1}, 1, Presence.READY)
            play(pool, pools[pool].login(spec, at), at)
        else:
            ticked.append(at)
            for pool in ("a", "b"):
                due = pools[pool].next_timer()
                if due is not None and due <= at:
                    play(pool, pools[pool].tick(at), at)
        for iid in here:
            holders = [p for p, pool in pools.items() if pool.contact(iid) is not None]
            assert len(holders) == 1, f"{iid} is in {holders}"
            kept = pools["a"].contact(iid)
            if kept is not None and kept.state is ContactState.QUEUED:
                due_at = entered[iid] + STEP.after_seconds
                assert not [t for t in ticked if t >= due_at], "past its step at a tick: moved"
