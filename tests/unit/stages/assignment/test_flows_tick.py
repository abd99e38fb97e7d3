"""Time in state summed per label at a tick (the fast path) is what counting each
agent's seconds one by one gives: a generated floor of presence changes and ticks,
checked against a reference that replays the script agent by agent."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import AssignerMetrics, AssignerStage, PoolRecords
from omniroute.schemas import AgentLoggedIn, AgentPresence, AgentStateChanged, PoolTick

T0 = 1_800_000_000.0
LISTED = ("lunch", "training")
NAME = "omniroute_agent_state_seconds_total"
NOT_READY = "omniroute_agents_not_ready"


def _no_records(pool: str) -> PoolRecords:
    return [], [], []


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, UTC)


def _labels(ready: bool, reason: str | None) -> tuple[str, str]:
    """The (state, reason) the pool records for a presence and a given reason."""
    if ready:
        return "ready", "none"
    if reason is None:
        return "not_ready", "unspecified"
    return "not_ready", reason if reason in LISTED else "unlisted"


# (seconds since the last step, agent index or None for a tick, ready, reason)
_STEPS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30),
        st.none() | st.integers(min_value=0, max_value=3),
        st.booleans(),
        st.sampled_from([None, "lunch", "training", "fishing"]),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=4), _STEPS)
def test_a_tick_counts_every_agents_seconds_as_one_by_one_would(
    first: list[bool], steps: list[tuple[int, int | None, bool, str | None]]
) -> None:
    registry = CollectorRegistry()
    stage = AssignerStage(
        AssignerSettings(pool_not_ready_reasons={"care": LISTED}),
        AssignerMetrics(registry, process=False),
        _no_records,
    )
    expected: dict[tuple[str, str], float] = {}
    state: dict[str, tuple[tuple[str, str], float]] = {}
    agents = [f"a{n}" for n in range(len(first))]
    for agent, ready in zip(agents, first, strict=True):
        presence = AgentPresence.READY if ready else AgentPresence.NOT_READY
        login = AgentLoggedIn(
            id=f"in-{agent}", source="/t", agent_id=agent, pool="care", queues=["q"],
            presence=presence,
        )  # fmt: skip
        stage.apply("care", login, T0)
        state[agent] = (_labels(ready, None), 0.0)
    now = 0.0
    for gap, who, ready, reason in steps:
        now += gap
        if who is None or who >= len(agents):
            tick = PoolTick(id=f"tick-{now}", source="/t", pool="care", now=_at(now))
            stage.apply("care", tick, T0 + now)
            touched = agents  # every agent's time is counted up to the tick
        else:
            agent = agents[who]
            change = AgentStateChanged(
                id=f"s-{now}-{who}",
                source="/t",
                agent_id=agent,
                pool="care",
                presence=AgentPresence.READY if ready else AgentPresence.NOT_READY,
                reason=reason,
            )
            stage.apply("care", change, T0 + now)
            touched = [agent]
        for agent in touched:
            labels, since = state[agent]
            if now > since:
                expected[labels] = expected.get(labels, 0.0) + (now - since)
            state[agent] = (labels, now)
        if who is not None and who < len(agents):
            state[agents[who]] = (_labels(ready, reason if not ready else None), now)
    final = PoolTick(id="tick-end", source="/t", pool="care", now=_at(now + 1))
    stage.apply("care", final, T0 + now + 1)
    for agent in agents:
        labels, since = state[agent]
        expected[labels] = expected.get(labels, 0.0) + (now + 1 - since)
    for (name, reason), seconds in expected.items():
        sample = {"pool": "care", "state": name, "reason": reason}
        assert registry.get_sample_value(NAME, sample) == seconds, (name, reason)
    total = sum(
        sample.value
        for metric in registry.collect()
        if metric.name == NAME.removesuffix("_total")
        for sample in metric.samples
        if sample.name == NAME
    )
    assert total == len(agents) * (now + 1)
    not_ready: dict[str, int] = {}
    for labels, _ in state.values():
        if labels[0] == "not_ready":
            not_ready[labels[1]] = not_ready.get(labels[1], 0) + 1
    for reason in {*LISTED, "missed_offers", *not_ready}:
        value = registry.get_sample_value(NOT_READY, {"pool": "care", "reason": reason})
        assert value == not_ready.get(reason, 0), reason
