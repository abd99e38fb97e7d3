"""Transfers under random interleavings: whatever order offers, answers, transfers
(cold and warm, to a queue or a named agent), timeouts, log-outs and ends come in,
no contact is lost, no agent holds work the contacts do not say it holds (a warm
transfer's first agent included), no agent goes past its capacity, and the pool
rebuilt from its persisted records is the same pool."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from omniroute.agents import (
    AgentSpec,
    Contact,
    ContactState,
    Pool,
    PoolConfig,
    Presence,
    QueueConfig,
    Record,
    TransferRequest,
)
from omniroute.schemas import Channel
from tests.support.examples import examples

VOICE = Channel.VOICE
CONFIG = PoolConfig(
    name="p",
    default_queue=QueueConfig(aging_per_second=1.0),
    offer_timeout_seconds=5,
    misses_before_not_ready=1000,
    transfer_hold_seconds=7,
)
AGENTS = ("a0", "a1", "a2", "a3")
QUEUES = {"a0": ("q1",), "a1": ("q1", "q2"), "a2": ("q2",), "a3": ("q2", "q1")}

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "arrive",
                "accept",
                "reject",
                "complete",
                "cold",
                "warm",
                "to_agent",
                "time",
                "logout",
                "login",
                "end",
            ]
        ),
        st.integers(0, 7),
        st.integers(0, 3),
    ),
    max_size=60,
)


def _holdings(pool: Pool) -> dict[str, set[str]]:
    """What the contacts say each agent holds: offered or assigned to it, or kept by
    it during a warm transfer."""
    held: dict[str, set[str]] = {}
    for c in pool.contacts():
        if c.state in (ContactState.OFFERED, ContactState.ASSIGNED) and c.agent_id:
            held.setdefault(c.agent_id, set()).add(c.interaction_id)
        if c.warm is not None:
            held.setdefault(c.warm.agent_id, set()).add(c.interaction_id)
    return held


def _snapshot(pool: Pool) -> list[list[tuple[Any, ...]]]:
    contacts = sorted(
        (
            c.interaction_id,
            c.state,
            c.agent_id,
            c.queue,
            c.offer_id,
            c.enqueued_at,
            c.declined,
            c.warm,
            c.hold_for,
            tuple(t.transfer_id for t in c.transfers),
        )
        for c in pool.contacts()
    )
    agents = sorted((a.agent_id, a.presence, tuple(sorted(a.work))) for a in pool.agents())
    return [contacts, agents]


@settings(max_examples=examples(120), deadline=None)
@given(actions=ACTIONS)
def test_transfers_lose_nothing_double_nothing_and_survive_a_restore(
    actions: list[tuple[str, int, int]],
) -> None:
    pool = Pool(CONFIG)
    now = 0.0
    table: dict[str, dict[str, Record]] = {"c": {}, "a": {}, "h": {}}
    for agent_id in AGENTS:
        pool.login(AgentSpec(agent_id, QUEUES[agent_id], {}, {VOICE: 1}, 1, Presence.READY), now)
    _persist(pool, table)
    live: set[str] = set()
    serial = 0
    for action, which, whom in actions:
        now += 1
        contacts = sorted(pool.contacts(), key=lambda c: c.interaction_id)
        pick = contacts[which % len(contacts)] if contacts else None
        agent = AGENTS[whom]
        if action == "arrive":
            serial += 1
            iid = f"c{serial}"
            pool.enqueue(Contact(iid, f"cust{serial}", ("q1", "q2")[which % 2], VOICE, 0, now), now)
            live.add(iid)
        elif action == "time":
            pool.tick(now + which * 3)
            now += which * 3
        elif action == "logout":
            pool.logout(agent, now)
        elif action == "login":
            pool.login(AgentSpec(agent, QUEUES[agent], {}, {VOICE: 1}, 1, Presence.READY), now)
        elif pick is None:
            continue
        elif action == "end":
            pool.end(pick.interaction_id, now)
            live.discard(pick.interaction_id)
        elif pick.agent_id is None:
            continue
        elif action == "accept":
            pool.accept(pick.agent_id, pick.interaction_id, pick.offer_id or "", now)
        elif action == "reject":
            pool.reject(pick.agent_id, pick.interaction_id, pick.offer_id or "", now)
        elif action == "complete" and pick.state is ContactState.ASSIGNED:
            pool.complete_work(pick.agent_id, pick.interaction_id, now)
            live.discard(pick.interaction_id)
        elif action in ("cold", "warm", "to_agent"):
            serial += 1
            request = TransferRequest(
                transfer_id=f"t{serial}",
                agent_id=pick.agent_id,
                interaction_id=pick.interaction_id,
                to_queue=("q1", "q2")[whom % 2] if action != "to_agent" else None,
                to_agent=agent if action == "to_agent" else None,
                mode="warm" if action == "warm" else "cold",
            )
            pool.transfer(request, now)
        # Nothing lost: every contact not ended or completed is still in the pool.
        assert {c.interaction_id for c in pool.contacts()} == live
        # Nothing doubled: each agent holds exactly what the contacts say, within capacity.
        held = _holdings(pool)
        for a in pool.agents():
            assert set(a.work) == held.get(a.agent_id, set()), a.agent_id
            assert a.total == len(a.work) <= a.max_total
        _persist(pool, table)
    pool.tick(now)  # what the restore's catch-up does at ``now``, done here too
    _persist(pool, table)
    restored, _ = Pool.restore(
        CONFIG,
        table["c"].values(),
        table["a"].values(),
        table["h"].values(),
        now,
    )
    assert _snapshot(restored) == _snapshot(pool)


def _persist(pool: Pool, table: dict[str, dict[str, Record]]) -> None:
    """What the stage does after each event: write the changed records."""
    changes = pool.drain_changes()
    for name, changed in (
        ("c", changes.contacts),
        ("a", changes.agents),
        ("h", dict(changes.handle_times)),
    ):
        for key, record in changed.items():
            if record is None:
                table[name].pop(key, None)
            else:
                table[name][key] = record
