"""Agents needed for a service level at a few loads: Erlang C's answer beside the
simulator's (the real pool, exponential handle times, no abandonment), so a
planner sees where the formula and the floor agree."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._erlang import ErlangRun, agents_for_service_level, erlang_c_service_level

__all__ = ["StaffingRow", "staffing_table"]


@dataclass(frozen=True, slots=True)
class StaffingRow:
    arrivals_per_hour: float
    aht_seconds: float
    erlang_c_agents: int
    erlang_c_service_level: float
    simulated_agents: int
    simulated_service_level: float
    curve: dict[int, tuple[float, float]] = field(default_factory=dict)
    """agents -> (simulated, Erlang C) service level, for every staffing tried."""


def staffing_table(
    loads: list[float],
    *,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    hours: float,
    seed: int,
) -> list[StaffingRow]:
    rows = []
    for arrivals in loads:
        theory = agents_for_service_level(arrivals, aht_seconds, target_seconds, service_level)
        curve: dict[int, tuple[float, float]] = {}
        agents = max(1, theory - 2)
        while True:
            run = ErlangRun(arrivals, aht_seconds, agents, target_seconds, hours, seed).run()
            simulated = float(run["service_level"] or 0.0)
            curve[agents] = (
                simulated,
                erlang_c_service_level(arrivals, aht_seconds, agents, target_seconds),
            )
            if simulated >= service_level:
                break
            agents += 1
        rows.append(
            StaffingRow(
                arrivals_per_hour=arrivals,
                aht_seconds=aht_seconds,
                erlang_c_agents=theory,
                erlang_c_service_level=curve.get(theory, (0.0, 0.0))[1]
                or erlang_c_service_level(arrivals, aht_seconds, theory, target_seconds),
                simulated_agents=agents,
                simulated_service_level=simulated,
                curve=curve,
            )
        )
    return rows
