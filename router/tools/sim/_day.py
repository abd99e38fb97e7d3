"""A scenario's day on the floor: Poisson arrivals per channel and interval, each
routed by the real policy, the ``agent_queue`` ones queued in the real pools.

Contacts the policy sends to IVR or self-service are contained, except the share
that comes back asking for a person after their time in automation: those are
routed again as ``InteractionEscalated`` (the policy's guardrails send them to
an agent) and carry that time as perceived wait.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import simpy

from omniroute.agents import (
    AgentSpec,
    PoolConfig,
    Presence,
    contact_from_decision,
    pool_load_message,
)
from omniroute.router.core import CustomerRecord, RoutableEvent
from omniroute.router.policy import Policy
from omniroute.router.runtime import AssignerSettings
from omniroute.router.stages.assignment import pool_config
from omniroute.schemas import (
    Channel,
    ContactTarget,
    CustomerProfile,
    InteractionArrived,
    InteractionEscalated,
    PoolLoad,
    Tier,
)

from ._distributions import Constant, Exponential, draw_weighted
from ._engine import AgentRun, ContactRun, Floor, TransferPlan
from ._scenario import AgentGroup, Scenario, ScenarioError

__all__ = ["DayResult", "simulate_day"]

_SOURCE = "/omniroute/sim"
LOAD_REFRESH_SECONDS = 60.0
"""How stale the policy's view of pool load may get (the assigner publishes it
as it changes; the policy only reads it for "sell when idle", so a minute does)."""
DRAIN_SECONDS = 2 * 3600.0


@dataclass(slots=True)
class DayResult:
    scenario: Scenario
    policy_version: str
    floor: Floor
    arrived: int = 0
    contained: int = 0
    escalated: int = 0
    by_target: dict[str, int] = field(default_factory=dict)


def _weights(shares: dict[str, float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    names = tuple(shares)
    return names, tuple(itertools.accumulate(shares[n] for n in names))


def _agents(group: AgentGroup, pools: dict[str, PoolConfig]) -> list[AgentRun]:
    if group.pool not in pools:
        raise ScenarioError(
            f"agents.{group.name}.pool: {group.pool!r} is no pool of the policy "
            f"({', '.join(sorted(pools))})"
        )
    answer = Exponential(group.answer_seconds) if group.answer_seconds else Constant(0.0)
    end = group.end_hour * 3600.0 if group.end_hour is not None else math.inf
    runs = []
    for n in range(group.count):
        breaks = tuple(
            (b.at_hour * 3600.0 + n * group.break_stagger_minutes * 60.0, b.minutes * 60.0)
            for b in group.breaks
        )
        spec = AgentSpec(
            agent_id=f"{group.name}-{n:03d}",
            queues=tuple(group.queues),
            skills=dict(group.skills),
            capacity=dict(group.capacity),
            max_total=group.max_total,
            presence=Presence.READY,
        )
        runs.append(AgentRun(spec, group.pool, group.start_hour * 3600.0, end, breaks, answer))
    return runs


def _pool_configs(scenario: Scenario, policy: Policy) -> dict[str, PoolConfig]:
    """Each pool as the assigner builds it: every queue's settings from the policy
    file (``queue_defaults`` and the queue's own keys), the scenario's offer timeout."""
    settings = AssignerSettings(offer_timeout_seconds=scenario.assignment.offer_timeout_seconds)
    spec = policy.spec
    book = (spec.queue_defaults, {name: spec.queue_settings(name) for name in spec.queues})
    return {
        pool: pool_config(pool, settings, book)
        for pool in sorted({q.pool for q in spec.queues.values()})
    }


def _transfer_plan(scenario: Scenario, policy: Policy) -> TransferPlan | None:
    """The scenario's transfers, into the pool the policy puts the target queue in."""
    transfers = scenario.transfers
    if not transfers.share:
        return None
    queue = policy.spec.queues.get(transfers.to_queue)
    if queue is None:
        raise ScenarioError(f"transfers.to_queue: {transfers.to_queue!r} is no queue of the policy")
    return TransferPlan(transfers.share, transfers.to_queue, queue.pool, transfers.after)


def simulate_day(scenario: Scenario, policy: Policy) -> DayResult:
    """Run the scenario's day (then let the queues drain) and return the floor."""
    return _Day(scenario, policy).run()


class _Day:
    def __init__(self, scenario: Scenario, policy: Policy) -> None:
        self.scenario = scenario
        self.policy = policy
        self.rng = random.Random(scenario.seed)
        pools = _pool_configs(scenario, policy)
        self.start = scenario.start.timestamp()
        self.floor = Floor(
            pools, self.rng, start=self.start, transfers=_transfer_plan(scenario, policy)
        )
        for group in scenario.agents:
            for agent in _agents(group, pools):
                self.floor.add_agent(agent)
        self.result = DayResult(scenario, policy.version, self.floor)
        self.load: dict[str, PoolLoad] = {}
        self.refreshed = -math.inf
        self.reasons = _weights(scenario.reasons)
        self.tiers = _weights({t.value: s for t, s in scenario.tiers.items()})
        self.segments = _weights(scenario.segments)
        self.counter = itertools.count(1)
        self.handles = {r: h.sampler() for r, h in scenario.reason_handle.items()}
        self.escalation = scenario.automation.seconds.sampler()
        self.end = self.start + scenario.hours * 3600.0

    def run(self) -> DayResult:
        for channel in self.scenario.channels:
            self.floor.env.process(self.arrivals(channel))
        self.floor.run(self.scenario.hours * 3600.0)
        self.floor.drain(DRAIN_SECONDS)
        return self.result

    def current_load(self) -> dict[str, PoolLoad]:
        floor = self.floor
        if floor.now - self.refreshed >= LOAD_REFRESH_SECONDS:
            self.refreshed = floor.now
            for name, pool in floor.pools.items():
                self.load[name] = pool_load_message(pool.load(floor.now), name, _SOURCE)
        return self.load

    def arrivals(self, channel: Channel) -> Generator[simpy.Event, None, None]:
        """Poisson with a rate constant per interval: memoryless, so a gap that
        crosses a boundary is simply drawn again at the new rate."""
        floor, scenario = self.floor, self.scenario
        traffic = scenario.channels[channel]
        interval = scenario.interval_minutes * 60.0
        while floor.now < self.end:
            index = min(int((floor.now - self.start) // interval), scenario.intervals - 1)
            boundary = min(self.end, self.start + (index + 1) * interval)
            rate = traffic.rate_at(index) / 3600.0
            gap = self.rng.expovariate(rate) if rate > 0 else math.inf
            if floor.now + gap >= boundary:
                yield floor.env.timeout(boundary - floor.now)
                continue
            yield floor.env.timeout(gap)
            self.arrive(channel)

    def arrive(self, channel: Channel) -> None:
        n = next(self.counter)
        rng = self.rng
        self.result.arrived += 1
        reason = draw_weighted(rng, *self.reasons)
        tier = Tier(draw_weighted(rng, *self.tiers))
        segment = draw_weighted(rng, *self.segments)
        cid = f"c{n}"
        profile = CustomerProfile(
            customer_id=cid,
            tier=tier,
            arpu=self.scenario.arpu.get(tier, 0.0),
            segment=None if segment == "none" else segment,
        )
        event = InteractionArrived(
            id=f"e{n}",
            source=_SOURCE,
            time=datetime.fromtimestamp(self.floor.now, UTC),
            interaction_id=f"i{n}",
            customer_id=cid,
            channel=channel,
            reason=reason,
        )
        labels = {
            "channel": channel.value,
            "tier": tier.value,
            "segment": segment,
            "reason": reason,
            "escalated": "no",
        }
        self.route(event, CustomerRecord(cid, profile), labels)

    def route(self, event: RoutableEvent, customer: CustomerRecord, labels: dict[str, str]) -> None:
        floor, result = self.floor, self.result
        now = datetime.fromtimestamp(floor.now, UTC)
        decision = self.policy.route(event, customer, self.current_load(), now)
        target = decision.target.value
        result.by_target[target] = result.by_target.get(target, 0) + 1
        if decision.target is not ContactTarget.AGENT_QUEUE:
            self.automated(event, customer, labels)
            return
        traffic = self.scenario.channels[event.channel]
        handle = self.handles.get(event.reason or "", traffic.handle.sampler())
        patience = traffic.patience()
        floor.arrive(
            ContactRun(
                contact=contact_from_decision(decision),
                pool=decision.pool or "",
                arrived=floor.now,
                handle_seconds=handle.draw(self.rng),
                wrap_seconds=traffic.wrap_seconds,
                patience_seconds=patience.draw(self.rng) if patience else math.inf,
                target_seconds=decision.service_target_seconds or 20.0,
                labels={
                    **labels,
                    "queue": decision.queue or "",
                    "priority": f"{decision.priority:03d}",
                },
            )
        )

    def automated(
        self, event: RoutableEvent, customer: CustomerRecord, labels: dict[str, str]
    ) -> None:
        """Contained, or back after its time in automation asking for a person."""
        share = self.scenario.automation.escalate_share
        if isinstance(event, InteractionEscalated) or self.rng.random() >= share:
            self.result.contained += 1
            return
        spent = self.escalation.draw(self.rng)
        channel = event.channel
        again = InteractionEscalated(
            id=f"{event.id}-x",
            source=_SOURCE,
            time=datetime.fromtimestamp(self.floor.now + spent, UTC),
            interaction_id=event.interaction_id,
            customer_id=event.customer_id,
            channel=channel,
            reason=event.reason,
            from_stage="ivr" if channel is Channel.VOICE else "self_service",
            automation_seconds=spent,
        )
        escalated = {**labels, "escalated": "yes"}

        def back() -> None:
            self.floor.pending -= 1
            self.route(again, customer, escalated)

        self.floor.pending += 1
        self.floor.after(spent, back)
        self.result.escalated += 1
