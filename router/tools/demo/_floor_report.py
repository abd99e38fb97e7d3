"""The demo's floor plan and what it prints about it: the staffing Erlang C gave
each (pool, channel), and the demo's service level beside the simulator's for
the same contacts, staffing, draws and seed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from omniroute.router.policy import Policy
from omniroute.router.tools.harness import TrafficGenerator, generate_customers, percentile
from omniroute.router.tools.sim import ContactRun, Summary, load_scenario, summarize
from omniroute.schemas import utc_now

from ._floor_plan import FloorPlan, in_floor_seconds, plan_floor, simulate_floor

__all__ = [
    "FloorComparison",
    "FloorRow",
    "compare_floor",
    "demo_plan",
    "print_comparison",
    "print_staffing",
]

_PLAN_SAMPLE = 20_000
"""At most this many events are routed offline to find each group's load."""


def demo_plan(
    scenario: Path,
    policy: Policy,
    *,
    customers: int,
    events: int,
    traffic_seed: int,
    bad_share: float,
    events_per_second: float,
    compression: float,
    service_level: float,
) -> FloorPlan:
    """Staff the floor for the demo's own traffic: the same generator and seed, so
    the events routed offline are the ones the demo will send."""
    generator = TrafficGenerator(
        customers, seed=traffic_seed, bad_share=bad_share, customer_exits=False
    )
    now = utc_now()
    sample = (
        event.value if event.routable else None
        for event in (generator.next(now) for _ in range(min(events, _PLAN_SAMPLE)))
    )
    profiles = {p.customer_id: p for p in generate_customers(customers)}
    return plan_floor(
        load_scenario(scenario),
        policy,
        sample,
        profiles,
        events_per_second=events_per_second,
        compression=compression,
        seed=traffic_seed,
        service_level=service_level,
    )


@dataclass(frozen=True, slots=True)
class FloorRow:
    channel: str
    agents: int
    erlang_c_service_level: float | None
    demo: Summary
    simulated: Summary


@dataclass(frozen=True, slots=True)
class FloorComparison:
    compression: float
    rows: tuple[FloorRow, ...]
    total: FloorRow
    hop_seconds: float
    """Median wall seconds of one Kafka hop (decision to desktop) during the run."""


def compare_floor(
    plan: FloorPlan, runs: Iterable[ContactRun], until: float, hops: Sequence[float] = ()
) -> FloorComparison:
    """The demo's contacts (wall seconds) beside the same contacts simulated."""
    demo = list(runs)
    simulated = simulate_floor(plan, demo, until)
    demo_floor = in_floor_seconds(demo, plan.compression)
    sim_floor = in_floor_seconds(simulated, plan.compression)
    rows = []
    for channel in sorted({r.labels["channel"] for r in demo_floor}):
        groups = [g for g in plan.staffing if g.channel.value == channel]
        erlang = None
        if groups:  # weighted by arrivals: Erlang C per pool, without patience
            weight = sum(g.arrivals_per_hour for g in groups)
            erlang = sum(g.erlang_c_service_level * g.arrivals_per_hour for g in groups) / weight
        rows.append(
            FloorRow(
                channel,
                sum(g.agents for g in groups),
                erlang,
                summarize(r for r in demo_floor if r.labels["channel"] == channel),
                summarize(r for r in sim_floor if r.labels["channel"] == channel),
            )
        )
    total = FloorRow("all", plan.agent_count, None, summarize(demo_floor), summarize(sim_floor))
    return FloorComparison(plan.compression, tuple(rows), total, percentile(hops, 0.5))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def print_comparison(console: Console, comparison: FloorComparison) -> None:
    table = Table(
        title=f"Demo floor vs simulator: same contacts, staffing and draws "
        f"(floor at {comparison.compression:g}x; floor seconds)",
        show_footer=False,
    )
    headers: tuple[str, ...] = ("channel", "agents", "contacts", "SL\ndemo", "SL\nsim")
    headers += ("SL\nErlang C", "ASA s\ndemo", "ASA s\nsim", "aband.\ndemo", "aband.\nsim")
    for name in headers:
        table.add_column(name, justify="left" if name == "channel" else "right")
    for row in (*comparison.rows, comparison.total):
        table.add_row(
            row.channel,
            str(row.agents),
            str(row.demo.offered),
            _pct(row.demo.service_level),
            _pct(row.simulated.service_level),
            _pct(row.erlang_c_service_level),
            f"{row.demo.asa_seconds:.1f}",
            f"{row.simulated.asa_seconds:.1f}",
            _pct(row.demo.abandon_rate),
            _pct(row.simulated.abandon_rate),
        )
    console.print(table)
    hop = comparison.hop_seconds
    console.print(
        "SL counts abandons as missed (Erlang C: nobody abandons, exponential handle "
        "times). The simulator has no transport; the demo's waits include three Kafka "
        f"hops, each {hop * 1000:.0f} ms wall (median) = {hop * comparison.compression:.1f} "
        "floor s at this compression."
    )


def print_staffing(console: Console, plan: FloorPlan, service_level: float) -> None:
    table = Table(
        title=f"Floor staffed by Erlang C for {service_level:.0%} in target "
        f"({plan.scenario.name} handle/patience times, {plan.compression:g}x)"
    )
    for name in ("pool", "channel", "arrivals/h", "AHT", "target", "agents", "Erlang C SL"):
        table.add_column(name, justify="left" if name in ("pool", "channel") else "right")
    for group in plan.staffing:
        table.add_row(
            group.pool,
            group.channel.value,
            f"{group.arrivals_per_hour:.0f}",
            f"{group.aht_seconds:.0f} s",
            f"{group.target_seconds:.0f} s",
            str(group.agents),
            f"{group.erlang_c_service_level:.1%}",
        )
    console.print(table)
