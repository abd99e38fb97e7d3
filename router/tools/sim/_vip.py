"""The domain's claim, tested: one shared queue where VIPs outrank others by
priority and everyone ages, against VIP agents kept apart for VIPs.

Both designs run the same traffic (same seed: the same customers arrive at the
same moments with the same handle times) through the same default policy, which
sends VIPs to ``priority`` at priority 90 and everyone else to ``general`` at 30.
Only the agents differ: in the shared design every agent serves both queues; in
the dedicated one, ``vip_agents`` serve ``priority`` only and the rest
``general`` only. VIP target 90% within 10 s, standard 80% within 20 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniroute.router.policy import Policy
from omniroute.router.tools.harness import percentile
from omniroute.schemas import Channel, Tier

from ._day import simulate_day
from ._report import group_by
from ._scenario import AgentGroup, ChannelTraffic, HandleTime, Scenario

__all__ = ["DesignResult", "VipTraffic", "evaluate", "fewest_dedicated", "fewest_shared"]

VIP_TARGET = (0.90, 10.0)
STANDARD_TARGET = (0.80, 20.0)


@dataclass(frozen=True, slots=True)
class VipTraffic:
    arrivals_per_hour: float = 200.0
    vip_share: float = 0.10
    aht_seconds: float = 180.0
    cv: float = 1.0
    hours: float = 24.0
    seed: int = 3


@dataclass(frozen=True, slots=True)
class DesignResult:
    design: str
    agents: int
    vip_agents: int
    vip_service_level: float
    vip_asa_seconds: float
    vip_p90_seconds: float
    standard_service_level: float
    standard_asa_seconds: float
    standard_p90_seconds: float

    @property
    def vip_met(self) -> bool:
        return self.vip_service_level >= VIP_TARGET[0]

    @property
    def standard_met(self) -> bool:
        return self.standard_service_level >= STANDARD_TARGET[0]


def _scenario(traffic: VipTraffic, groups: list[AgentGroup]) -> Scenario:
    return Scenario(
        name="vip-vs-dedicated",
        hours=traffic.hours,
        interval_minutes=60,
        seed=traffic.seed,
        channels={
            Channel.VOICE: ChannelTraffic(
                arrivals_per_hour=traffic.arrivals_per_hour,
                handle=HandleTime(mean_seconds=traffic.aht_seconds, cv=traffic.cv),
            )
        },
        reasons={"other": 1.0},
        tiers={Tier.VIP: traffic.vip_share, Tier.STANDARD: 1.0 - traffic.vip_share},
        agents=[g for g in groups if g.count > 0],
    )


def _group(name: str, count: int, queues: list[str]) -> AgentGroup:
    return AgentGroup(name=name, count=count, pool="care", queues=queues)


def evaluate(policy: Policy, traffic: VipTraffic, agents: int, vip_agents: int) -> DesignResult:
    """One design: ``vip_agents`` 0 means shared (everyone serves both queues)."""
    if vip_agents:
        groups = [
            _group("vip", vip_agents, ["priority"]),
            _group("standard", agents - vip_agents, ["general"]),
        ]
    else:
        groups = [_group("shared", agents, ["general", "priority"])]
    result = simulate_day(_scenario(traffic, groups), policy)
    tiers = group_by(result.floor.contacts, "tier")
    figures: dict[str, tuple[float, float, float]] = {}
    for tier, (_, target) in (("vip", VIP_TARGET), ("standard", STANDARD_TARGET)):
        runs = tiers.get(tier, [])
        waits = [r.answered_at - r.arrived for r in runs if r.answered_at is not None]
        within = sum(1 for w in waits if w <= target)
        figures[tier] = (
            within / len(runs) if runs else 0.0,
            sum(waits) / len(waits) if waits else 0.0,
            percentile(waits, 0.9),
        )
    return DesignResult(
        "dedicated" if vip_agents else "shared",
        agents,
        vip_agents,
        *figures["vip"],
        *figures["standard"],
    )


def fewest_shared(policy: Policy, traffic: VipTraffic, start: int) -> list[DesignResult]:
    """Shared design from ``start`` agents up until both targets are met."""
    tried = []
    agents = start
    while True:
        outcome = evaluate(policy, traffic, agents, 0)
        tried.append(outcome)
        if outcome.vip_met and outcome.standard_met:
            return tried
        agents += 1


def fewest_dedicated(
    policy: Policy, traffic: VipTraffic, standard_start: int
) -> tuple[int, int, list[DesignResult]]:
    """The fewest VIP agents for VIP 90/10 and standard agents for 80/20. The two
    groups share nothing, so each is searched with the other generously staffed."""
    tried = []
    generous = standard_start + 6
    vip = 1
    while True:
        outcome = evaluate(policy, traffic, vip + generous, vip)
        tried.append(outcome)
        if outcome.vip_met:
            break
        vip += 1
    standard = standard_start
    while True:
        outcome = evaluate(policy, traffic, vip + standard, vip)
        tried.append(outcome)
        if outcome.standard_met:
            break
        standard += 1
    return vip, standard, tried
