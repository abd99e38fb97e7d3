"""Tools around the runtime, never imported by it: the embedded stack, demo data and
traffic, the simulated agent floor, the demo, benchmarks, replay, ``top`` and the
Grafana dashboards spec.
"""

from ._assigner_bench import main
from ._assigner_e2e import AssignerE2EResult, bench_assigner_e2e
from ._bench import BenchResult, bench_decisions, bench_policy, bench_stage
from ._bench_e2e import bench_end_to_end
from ._collector import OutputCollector, RunOutputs
from ._dashboards import (
    DASHBOARD_DIR,
    DASHBOARDS,
    Panel,
    all_queries,
    dashboard_json,
    export_dashboards,
)
from ._demo import DemoOptions, DemoResult, run_demo, seed_customers
from ._demo_floor import FloorComparison, FloorRow, compare_floor, demo_plan
from ._floor import AgentFloor, FloorReport, floor_agents
from ._floor_plan import (
    DEFAULT_SCENARIO,
    Draws,
    FloorPlan,
    Staffing,
    in_floor_seconds,
    plan_floor,
    simulate_floor,
)
from ._publish import PublishReport, publish_traffic
from ._replay import ReplayInput, load_inputs, read_source, replay
from ._scaled_floor import ScaledFloor
from ._simulation import (
    BAD_KINDS,
    REASONS,
    SimulatedEvent,
    TrafficGenerator,
    generate_customers,
    segment_for,
)
from ._stack import ComponentStatus, EmbeddedStack, StackError, create_topics, free_port, port_open
from ._top import Snapshot, fetch, parse, quantile, rate, render
from ._workers import WorkerProcess

__all__ = [
    "BAD_KINDS",
    "DASHBOARDS",
    "DASHBOARD_DIR",
    "DEFAULT_SCENARIO",
    "REASONS",
    "AgentFloor",
    "AssignerE2EResult",
    "BenchResult",
    "ComponentStatus",
    "DemoOptions",
    "DemoResult",
    "Draws",
    "EmbeddedStack",
    "FloorComparison",
    "FloorPlan",
    "FloorReport",
    "FloorRow",
    "OutputCollector",
    "Panel",
    "PublishReport",
    "ReplayInput",
    "RunOutputs",
    "ScaledFloor",
    "SimulatedEvent",
    "Snapshot",
    "StackError",
    "Staffing",
    "TrafficGenerator",
    "WorkerProcess",
    "all_queries",
    "bench_assigner_e2e",
    "bench_decisions",
    "bench_end_to_end",
    "bench_policy",
    "bench_stage",
    "compare_floor",
    "create_topics",
    "dashboard_json",
    "demo_plan",
    "export_dashboards",
    "fetch",
    "floor_agents",
    "free_port",
    "generate_customers",
    "in_floor_seconds",
    "load_inputs",
    "main",
    "parse",
    "plan_floor",
    "port_open",
    "publish_traffic",
    "quantile",
    "rate",
    "read_source",
    "render",
    "replay",
    "run_demo",
    "seed_customers",
    "segment_for",
    "simulate_floor",
]
