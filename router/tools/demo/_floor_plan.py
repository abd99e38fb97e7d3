"""A demo floor that behaves like a real one, sped up: handle, answer and patience
times drawn from the simulator's distributions (a scenario file's parameters),
every duration divided by a stated compression before the demo sleeps on it,
and as many agents per pool and channel as Erlang C says the offered load needs.

The same plan replays the demo's own contacts through the simulator's engine
(``omniroute.router.tools.sim.Floor``, the real ``Pool``), with the same staffing,
draws and assigner knobs, so the two service levels can be read side by side:
what is left between them is the real pipeline (Kafka hops, thread timing).

Agents serve one channel, one contact at a time, and hold every skill the policy
asks for, so each (pool, channel) is the M/G/n+M queue Erlang C staffs for.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from omniroute.agents import spec_from_login
from omniroute.router.core import CustomerRecord
from omniroute.router.policy import Policy
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import pool_config
from omniroute.router.tools.sim import (
    AgentRun,
    ContactRun,
    Exponential,
    Floor,
    Sampler,
    Scenario,
    agents_for_service_level,
    erlang_c_service_level,
)
from omniroute.schemas import (
    AgentLoggedIn,
    AgentPresence,
    Channel,
    ContactTarget,
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    new_event_id,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "Draws",
    "FloorPlan",
    "Staffing",
    "in_floor_seconds",
    "plan_floor",
    "simulate_floor",
]

DEFAULT_SCENARIO = Path("deploy/scenarios/care-weekday.yaml")
_LIKE = {Channel.SMS: Channel.CHAT, Channel.SOCIAL: Channel.CHAT, Channel.WEB: Channel.EMAIL}
"""Channels a scenario may leave out, handled like their nearest neighbour."""


@dataclass(frozen=True, slots=True)
class Staffing:
    """One (pool, channel) group in floor units: arrivals per floor hour, seconds."""

    pool: str
    channel: Channel
    arrivals_per_hour: float
    aht_seconds: float
    target_seconds: float
    agents: int

    @property
    def erlang_c_service_level(self) -> float:
        return erlang_c_service_level(
            self.arrivals_per_hour, self.aht_seconds, self.agents, self.target_seconds
        )


@dataclass(frozen=True, slots=True)
class Draws:
    """One contact's durations in floor seconds (patience ``inf``: never gives up)."""

    handle: float
    wrap: float
    patience: float
    answer: float


@dataclass(frozen=True, slots=True)
class FloorPlan:
    scenario: Scenario
    compression: float
    seed: int
    staffing: tuple[Staffing, ...]
    queues: dict[str, tuple[str, ...]]
    skills: tuple[str, ...]

    def _channel(self, channel: Channel) -> Channel:
        known = self.scenario.channels
        like = channel if channel in known else _LIKE.get(channel, channel)
        return like if like in known else next(iter(known))

    def handle(self, channel: Channel, reason: str | None) -> Sampler:
        override = self.scenario.reason_handle.get(reason or "")
        traffic = self.scenario.channels[self._channel(channel)]
        return (override or traffic.handle).sampler()

    def answer(self, channel: Channel) -> Sampler:
        """The answer time of the scenario's first group that takes the channel."""
        like = self._channel(channel)
        groups = [g for g in self.scenario.agents if g.capacity.get(like, 0) > 0]
        return Exponential(groups[0].answer_seconds if groups else 0.0)

    def draw(self, interaction_id: str, channel: Channel, reason: str | None) -> Draws:
        """Seeded by the contact, so the demo and the replay draw the same durations."""
        rng = random.Random(f"{self.seed}:{interaction_id}")
        traffic = self.scenario.channels[self._channel(channel)]
        patience = traffic.patience()
        return Draws(
            handle=self.handle(channel, reason).draw(rng),
            wrap=traffic.wrap_seconds,
            patience=patience.draw(rng) if patience else math.inf,
            answer=self.answer(channel).draw(rng),
        )

    def wall(self, floor_seconds: float) -> float:
        return floor_seconds / self.compression

    def agents(self, run_id: str) -> list[AgentLoggedIn]:
        """Single-channel agents, each with every skill of the policy at the top."""
        agents = []
        for group in self.staffing:
            for n in range(group.agents):
                agents.append(
                    AgentLoggedIn(
                        id=new_event_id(),
                        source="/demo/floor",
                        agent_id=f"{run_id}-{group.pool}-{group.channel.value}-{n:04d}",
                        pool=group.pool,
                        name=f"{group.pool} {group.channel.value} {n}",
                        queues=list(self.queues.get(group.pool, ())),
                        skills=dict.fromkeys(self.skills, 10),
                        capacity={group.channel: 1},
                        max_total=1,
                        presence=AgentPresence.READY,
                    )
                )
        return agents

    @property
    def agent_count(self) -> int:
        return sum(group.agents for group in self.staffing)


def _skill_names(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("skill"), str):
            yield value["skill"]
        for item in value.values():
            yield from _skill_names(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _skill_names(item)


def plan_floor(
    scenario: Scenario,
    policy: Policy,
    sample: Iterable[bytes | None],
    profiles: dict[str, CustomerProfile],
    *,
    events_per_second: float,
    compression: float,
    seed: int,
    service_level: float = 0.8,
) -> FloorPlan:
    """Staff each (pool, channel) for the load the policy sends it: ``sample`` is the
    demo's traffic (routable events as JSON, ``None`` for the rest), routed offline
    to find each group's share of events and reason mix, then Erlang C per group."""
    now = datetime.now(UTC)
    total = 0
    counts: Counter[tuple[str, Channel]] = Counter()
    handle: dict[tuple[str, Channel], float] = defaultdict(float)
    empty = FloorPlan(scenario, compression, seed, (), {}, ())
    for raw in sample:
        total += 1
        if raw is None:
            continue
        data = json.loads(raw)
        model = InteractionEscalated if data["type"].endswith("escalated") else InteractionArrived
        event = model.model_validate(data)
        record = CustomerRecord(event.customer_id, profiles.get(event.customer_id))
        decision = policy.route(event, record, {}, now)
        if decision.target is not ContactTarget.AGENT_QUEUE or decision.pool is None:
            continue
        key = (decision.pool, event.channel)
        counts[key] += 1
        handle[key] += empty.handle(event.channel, decision.reason).mean_seconds
    staffing = []
    for (pool, channel), count in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        per_hour = count / max(1, total) * events_per_second * 3600.0 / compression
        wrap = scenario.channels[empty._channel(channel)].wrap_seconds
        aht = handle[(pool, channel)] / count + wrap
        target = policy.spec.service_targets.of(channel)
        agents = agents_for_service_level(per_hour, aht, target, service_level)
        staffing.append(Staffing(pool, channel, per_hour, aht, target, agents))
    queues: dict[str, list[str]] = defaultdict(list)
    for name, queue in policy.spec.queues.items():
        queues[queue.pool].append(name)
    skills = tuple(sorted(set(_skill_names(policy.spec.model_dump(mode="json")))))
    return FloorPlan(
        scenario,
        compression,
        seed,
        tuple(staffing),
        {pool: tuple(names) for pool, names in queues.items()},
        skills,
    )


def simulate_floor(
    plan: FloorPlan,
    runs: Iterable[ContactRun],
    until: float,
    settings: AssignerSettings | None = None,
) -> list[ContactRun]:
    """The demo's contacts (wall seconds from its start) through the simulator's
    engine with the plan's agents and the assigner's knobs, in wall seconds too."""
    settings = settings or AssignerSettings()
    rng = random.Random(plan.seed)
    pools = {group.pool: pool_config(group.pool, settings) for group in plan.staffing}
    floor = Floor(pools, rng)
    for login in plan.agents("sim"):
        channel = next(iter(login.capacity))
        answer = plan.answer(channel)
        floor.add_agent(
            AgentRun(
                spec_from_login(login),
                login.pool,
                answer=Exponential(plan.wall(answer.mean_seconds)),
            )
        )
    for run in sorted(runs, key=lambda r: r.arrived):
        copy = ContactRun(
            contact=dataclasses.replace(run.contact, enqueued_at=run.arrived),
            pool=run.pool,
            arrived=run.arrived,
            handle_seconds=run.handle_seconds,
            wrap_seconds=run.wrap_seconds,
            patience_seconds=run.patience_seconds,
            target_seconds=run.target_seconds,
            labels=dict(run.labels),
        )
        floor.after(run.arrived, lambda copy=copy: floor.arrive(copy))  # type: ignore[misc]
    floor.run(until)
    return list(floor.contacts)


def in_floor_seconds(runs: Iterable[ContactRun], compression: float) -> list[ContactRun]:
    """Wall-second runs stretched back to floor seconds, for ``summarize``."""

    def stretch(value: float | None) -> float | None:
        return None if value is None else value * compression

    return [
        dataclasses.replace(
            run,
            arrived=run.arrived * compression,
            handle_seconds=run.handle_seconds * compression,
            wrap_seconds=run.wrap_seconds * compression,
            patience_seconds=run.patience_seconds * compression,
            target_seconds=run.target_seconds * compression,
            answered_at=stretch(run.answered_at),
            abandoned_at=stretch(run.abandoned_at),
            done_at=stretch(run.done_at),
        )
        for run in runs
    ]
