"""``omniroute demo``: a private stack, a router and an assigner, simulated traffic and
a floor of simulated agents planned from a scenario (Erlang C staffing, the
simulator's handle and patience times, sped up), and what was decided."""

from ._cores import CoreMeter, CoreShares
from ._floor_plan import DEFAULT_SCENARIO, FloorPlan, Staffing, in_floor_seconds, simulate_floor
from ._floor_report import demo_plan
from ._outputs import SentDigests
from ._run import DemoOptions, DemoResult, run_demo

__all__ = [
    "DEFAULT_SCENARIO",
    "CoreMeter",
    "CoreShares",
    "DemoOptions",
    "DemoResult",
    "FloorPlan",
    "SentDigests",
    "Staffing",
    "demo_plan",
    "in_floor_seconds",
    "run_demo",
    "simulate_floor",
]
